import { describe, expect, it } from 'vitest';
import { connection, connectionCreate } from '../../../shared/model/entities';
import {
  destinationMove,
  draftFrom,
  problemsOf,
  toInput,
  type Draft,
} from '../../../renderer/features/connections/form/draft';

const saved = connection.parse({
  id: 'cn_abcd1234',
  name: 'prod-events',
  projectId: 187520,
  destination: {
    type: 's3',
    bucket: 'acme-exports',
    region: 'eu-west-1',
    prefix: 'amplitude/',
    profile: 'data-admin',
    kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    endpoint: null,
    forcePathStyle: false,
    sse: 'aws:kms',
  },
  datasets: ['events', 'merged-ids'],
  enabled: true,
  options: {
    partitionBytes: 64 * 1024 * 1024,
    gzipLevel: 9,
    eventFilter: { mode: 'exclude', eventTypes: ['heartbeat', 'debug'] },
    manifest: true,
    queryCopy: true,
    jsonTable: true,
  },
  schedule: { settleMinutes: 30, lookbackHours: 48, accessTries: 3 },
  createdBy: 'me@example.com',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
});

describe('the connection form draft', () => {
  it('gives back a saved connection exactly when nothing is changed', () => {
    const draft = draftFrom(saved, '');
    expect(problemsOf(draft)).toBeNull();
    const {
      id: _id,
      createdAt: _c,
      updatedAt: _u,
      scheduleFrom: _s,
      replaces: _r,
      ...rest
    } = saved;
    expect(connectionCreate.parse(toInput(draft))).toEqual(connectionCreate.parse(rest));
  });

  it('asks for no JSON table once the destination is a folder (its switch is not shown there)', () => {
    const draft = draftFrom(saved, '');
    expect(toInput(draft).options?.jsonTable).toBe(true);
    expect(toInput({ ...draft, destType: 'folder', folder: '/tmp/out' }).options?.jsonTable).toBe(
      false,
    );
  });

  it('a new connection starts disabled, with no AWS profile assumed', () => {
    const draft = draftFrom(undefined, '187520');
    expect(draft).toMatchObject({ projectId: '187520', enabled: false, profile: '' });
  });

  it('reads the event list one per line or comma-separated, and a region outside AWS is said', () => {
    const draft = { ...draftFrom(saved, ''), filterTypes: 'a, b\n\nc' };
    expect(toInput(draft).options?.eventFilter).toEqual({
      mode: 'exclude',
      eventTypes: ['a', 'b', 'c'],
    });
    expect(problemsOf({ ...draft, region: 'mars-1' })).toHaveProperty(['destination.region']);
    // An endpoint with a path would send the bucket's files elsewhere: said under the field.
    expect(problemsOf({ ...draft, endpoint: 'http://127.0.0.1:9000/sub' })).toEqual({
      'destination.endpoint': expect.stringMatching(
        /^Enter the endpoint without a path, such as http:\/\/127\.0\.0\.1:9000:/,
      ),
    });
  });
});

describe('moving a saved connection', () => {
  const move = (change: Partial<Draft>) =>
    destinationMove(saved, { ...draftFrom(saved, ''), ...change });

  it('says nothing when the place stays, however it is typed', () => {
    expect(move({})).toBeNull();
    // The prefix is stored with its slash: typed without it, it is the same folder.
    expect(move({ prefix: 'amplitude' })).toBeNull();
    // Encryption and the profile are not where the files go.
    expect(move({ profile: 'other', sse: 'AES256', kmsKeyArn: '' })).toBeNull();
    expect(destinationMove(undefined, draftFrom(undefined, '1'))).toBeNull();
  });

  it('names both places for another prefix, bucket, store or a folder', () => {
    expect(move({ prefix: 'events/2027' })).toEqual({
      from: 's3://acme-exports/amplitude/',
      to: 's3://acme-exports/events/2027/',
    });
    expect(move({ bucket: 'acme-archive' })?.to).toBe('s3://acme-archive/amplitude/');
    expect(move({ endpoint: 'https://minio.internal:9000' })?.to).toBe(
      's3://acme-exports/amplitude/ on https://minio.internal:9000',
    );
    expect(move({ destType: 'folder', folder: '/data/ferry' })).toEqual({
      from: 's3://acme-exports/amplitude/',
      to: '/data/ferry',
    });
  });

  it('waits for a place that is valid', () => {
    expect(move({ bucket: 'No_Such Bucket' })).toBeNull();
    expect(move({ destType: 'folder', folder: '' })).toBeNull();
  });
});
