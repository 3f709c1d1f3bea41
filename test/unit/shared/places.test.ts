import { describe, expect, it } from 'vitest';
import {
  destinationMove,
  elsewhereSentences,
  exportPlaceOf,
  samePlace,
} from '../../../shared/model/places';
import type { Destination } from '../../../shared/model/entities';

const s3 = (change: Partial<Extract<Destination, { type: 's3' }>> = {}): Destination => ({
  type: 's3',
  bucket: 'acme',
  region: 'us-east-1',
  prefix: 'amp/',
  profile: 'p',
  kmsKeyArn: null,
  endpoint: null,
  forcePathStyle: false,
  roleArn: null,
  sse: 'bucket-default',
  ...change,
});

describe('where a connection exports', () => {
  it('is the store, bucket and prefix — or the folder — not the profile, Region or key', () => {
    expect(samePlace(exportPlaceOf(s3()), exportPlaceOf(s3({ profile: 'q', sse: 'AES256' })))).toBe(
      true,
    );
    for (const other of [
      s3({ prefix: 'b/' }),
      s3({ bucket: 'b' }),
      s3({ endpoint: 'http://127.0.0.1:9000' }),
      { type: 'folder', path: '/data' } as Destination,
    ])
      expect(samePlace(exportPlaceOf(s3()), exportPlaceOf(other))).toBe(false);
    expect(destinationMove(s3(), s3({ region: 'eu-west-1' }))).toBeNull();
    expect(destinationMove(s3(), s3({ endpoint: 'http://127.0.0.1:9000' }))).toEqual({
      from: 's3://acme/amp/',
      to: 's3://acme/amp/ on http://127.0.0.1:9000',
    });
  });

  it('says, place by place, which hours a reconcile left to the place they went to', () => {
    const items = [
      { hour: '2026-01-02T03', place: 's3://old/' },
      { hour: '2026-01-01T23', place: 's3://old/' },
      { hour: '2026-01-02T03', place: 's3://old/' }, // its merged IDs: one hour
      { hour: '2025-12-31T00', place: '/data' },
    ];
    expect(elsewhereSentences(items)).toEqual([
      '2 hours (2026-01-01T23 to 2026-01-02T03) went to s3://old/, where this connection exported before it moved: not checked here.',
      '1 hour (2025-12-31T00) went to /data, where this connection exported before it moved: not checked here.',
    ]);
    expect(elsewhereSentences(items.slice(3), (h) => `${h.replace('T', ' ')}:00 UTC`)).toEqual([
      '1 hour (2025-12-31 00:00 UTC) went to /data, where this connection exported before it moved: not checked here.',
    ]);
    expect(elsewhereSentences([])).toEqual([]);
  });
});
