import { describe, expect, it } from 'vitest';
import {
  epochMicrosOfTimestamp,
  epochOfTimestamp,
  eventObjectKey,
  eventObjectPrefix,
  hourOfTimestamp,
  hourIndex,
  hoursBetween,
  hourString,
  manifestKey,
  mergedIdsObjectKey,
  partitionOf,
} from '../../../shared/model/export-format';
import {
  queryEventObjectKey,
  queryMergedIdsKeyParts,
  queryMergedIdsObjectKey,
} from '../../../shared/model/query-format';

describe('object names (the output contract)', () => {
  it('names event partitions with an unpadded hour and #n from 1', () => {
    expect(eventObjectKey('', 187520, '2020-01-25T17', 1)).toBe('187520_2020-01-25_17#1.json.gz');
    expect(eventObjectKey('amplitude/', 187520, '2020-01-25T05', 3)).toBe(
      'amplitude/187520_2020-01-25_5#3.json.gz',
    );
    expect(eventObjectKey('', 187520, '2020-01-25T00', 1)).toBe('187520_2020-01-25_0#1.json.gz');
  });

  it('names merged IDs with a leading dash and the organization id', () => {
    expect(mergedIdsObjectKey('x/', 123, '2020-01-25T05')).toBe('x/-123_2020-01-25_5.json.gz');
    expect(manifestKey('x/', 187520, '2020-01-25T05')).toBe(
      'x/_manifests/187520_2020-01-25_5.json',
    );
  });

  it('tells this hour’s partitions from other hours’ (hour 1 is not hour 17)', () => {
    const prefix = eventObjectPrefix('', 7, '2020-01-25T01');
    expect(prefix).toBe('7_2020-01-25_1#');
    expect(partitionOf('7_2020-01-25_1#12.json.gz', '', 7, '2020-01-25T01')).toBe(12);
    expect(partitionOf('7_2020-01-25_17#1.json.gz', '', 7, '2020-01-25T01')).toBeNull();
    expect(partitionOf('7_2020-01-25_1#0.json.gz', '', 7, '2020-01-25T01')).toBeNull();
  });

  it('steps through hours', () => {
    expect(hoursBetween('2020-01-31T22', '2020-02-01T01')).toEqual([
      '2020-01-31T22',
      '2020-01-31T23',
      '2020-02-01T00',
      '2020-02-01T01',
    ]);
    expect(hourString(hourIndex('2020-03-08T02'))).toBe('2020-03-08T02');
  });
});

describe('timestamps as Amplitude writes them', () => {
  const h = hourIndex('2020-01-25T17');
  it.each([
    '2020-01-25 17:03:12.123456',
    '2020-01-25 17:59:59.999999',
    '2020-01-25T17:03:12.123Z',
    '2020-01-25T17:03:12Z',
    '2020-01-25T17:03:12',
    '2020-01-25T19:03:12+02:00',
    '2020-01-25T12:03:12-0500',
  ])('reads %s as 2020-01-25T17 UTC', (value) => {
    expect(hourOfTimestamp(value)).toBe(h);
  });

  it('reads a zone-less time as UTC, never local time', () => {
    expect(hourOfTimestamp('2020-01-25 00:30:00.000000')).toBe(hourIndex('2020-01-25T00'));
  });

  it.each([
    '',
    'yesterday',
    '2020-02-30 10:00:00',
    '2020-01-25 24:00:00',
    '2020-13-01 10:00:00',
    '2020-01-25T17:03:12+02:60',
    '2020-01-25 21:24:57.7-0262',
    '2020-01-25T17:03:12+24:00',
    null,
    {},
  ])('refuses %j', (value) => {
    expect(hourOfTimestamp(value)).toBeNull();
  });

  it('takes epoch milliseconds', () => {
    expect(hourOfTimestamp(Date.parse('2020-01-25T17:30:00Z'))).toBe(h);
  });
});

describe('timestamps to the microsecond (the query copy)', () => {
  const second = BigInt(Date.parse('2020-01-25T17:03:12Z')) * 1000n;
  it.each([
    ['2020-01-25 17:03:12.123456', second + 123_456n],
    ['2020-01-25 17:03:12.1', second + 100_000n],
    ['2020-01-25T17:03:12.123456789Z', second + 123_456n],
    ['2020-01-25T19:03:12.000007+02:00', second + 7n],
    ['2020-01-25 17:03:12', second],
  ])('reads %s to the microsecond', (value, micros) => {
    expect(epochMicrosOfTimestamp(value)).toBe(micros);
  });

  it('takes whole epoch milliseconds and refuses what is not a time', () => {
    expect(epochMicrosOfTimestamp(1_580_000_000_123)).toBe(1_580_000_000_123_000n);
    expect(epochMicrosOfTimestamp(1.5)).toBeNull();
    expect(epochMicrosOfTimestamp('2020-02-30 10:00:00')).toBeNull();
    expect(epochMicrosOfTimestamp(null)).toBeNull();
  });

  it('reads a year before 100 as that year, not as 19xx (both forms)', () => {
    // Date.UTC maps years 0–99 to 1900–1999: a careless source's year 0050 must not become 1950.
    const year50 = BigInt(new Date('0050-03-01T10:00:00Z').getTime()) * 1000n;
    expect(new Date('0050-03-01T10:00:00Z').getUTCFullYear()).toBe(50);
    expect(epochMicrosOfTimestamp('0050-03-01 10:00:00.000001')).toBe(year50 + 1n);
    expect(epochMicrosOfTimestamp('0050-03-01T10:00:00.000001Z')).toBe(year50 + 1n);
    expect(epochOfTimestamp('0000-02-29 00:00:00.000000')).toBe(Date.parse('0000-02-29T00:00:00Z'));
    expect(epochOfTimestamp('0001-02-29 00:00:00.000000')).toBeNull();
  });

  it("reads Amplitude's own form by position exactly as the general reader does", () => {
    // The same instant with a `Z` goes through the regular expression: both must agree on every
    // value, odd ones (Feb 29, month 13, hour 24, second 60, a letter for a digit) included.
    let state = 7;
    const next = (n: number) => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return (state >>> 8) % n; // not the low bits: an LCG's repeat quickly
    };
    const two = (n: number) => String(n).padStart(2, '0');
    let fixed = 0;
    for (let i = 0; i < 20_000; i++) {
      const year = [1969, 1970, 1999, 2000, 2020, 2024, 2100, 2255, 2300, 50][next(10)]!;
      let v =
        `${String(year).padStart(4, '0')}-${two(next(14))}-${two(next(33))} ` +
        `${two(next(26))}:${two(next(62))}:${two(next(62))}.${String(next(1_000_000)).padStart(6, '0')}`;
      if (next(10) === 0) {
        const at = next(v.length);
        v = v.slice(0, at) + 'x: T-'[next(5)] + v.slice(at + 1);
      }
      // A change that made a zone of the last digits (`57.7-0262`) makes another form: `Z` can
      // not be added to it, and the general reader reads it either way.
      if (/[+-]\d\d:?\d\d$/.test(v)) continue;
      const general = epochMicrosOfTimestamp(`${v}Z`);
      expect([v, epochMicrosOfTimestamp(v)]).toEqual([v, general]);
      expect([v, epochOfTimestamp(v)]).toEqual([v, epochOfTimestamp(`${v}Z`)]);
      if (general !== null) fixed++;
    }
    expect(fixed).toBeGreaterThan(5_000);
  });
});

describe('query copy object names', () => {
  it('puts a partition of an upload hour under the date its events happened', () => {
    expect(queryEventObjectKey('amplitude/', 187520, '2020-01-23', '2020-01-25T05', 2)).toBe(
      'amplitude/_query/events/event_date=2020-01-23/187520_2020-01-25_5#2.parquet',
    );
  });

  it('names an hour’s merged-ID copy like its JSON file, under the hour’s date, and reads it back', () => {
    const key = queryMergedIdsObjectKey('amplitude/', 123, '2020-01-25T05');
    expect(key).toBe('amplitude/_query/merged_ids/merge_date=2020-01-25/-123_2020-01-25_5.parquet');
    expect(queryMergedIdsKeyParts(key, 'amplitude/')).toEqual({
      orgId: 123,
      hour: '2020-01-25T05',
    });
    // Only names the copy writes: another prefix, a padded hour, a date folder not the hour's.
    for (const other of [
      'other/_query/merged_ids/merge_date=2020-01-25/-123_2020-01-25_5.parquet',
      'amplitude/_query/merged_ids/merge_date=2020-01-25/-123_2020-01-25_05.parquet',
      'amplitude/_query/merged_ids/merge_date=2020-01-24/-123_2020-01-25_5.parquet',
      'amplitude/_query/merged_ids/merge_date=2020-01-25/-123_2020-01-25_5.parquet.tmp',
    ])
      expect(queryMergedIdsKeyParts(other, 'amplitude/'), other).toBeNull();
  });
});
