import { describe, expect, it } from 'vitest';
import { sameObjects } from '../../../../electron/engine/jobs/earlier-export';
import { replaceRefusal, type NewAnswer } from '../../../../electron/engine/jobs/replace-rule';

const HOUR = '2020-01-25T05';
const answer = (over: Partial<NewAnswer>): NewAnswer => ({
  hour: HOUR,
  dataset: 'events',
  count: 100,
  read: 100,
  badLines: 0,
  otherHours: 0,
  badSamples: [],
  ...over,
});
const files = ['/out/187520_2020-01-25_5#1.json.gz', '/out/187520_2020-01-25_5#2.json.gz'];
/** An earlier export of two files holding `count` events by the history. */
const earlier = (count: number | null, listed = files) => {
  let asked = 0;
  return {
    files: listed,
    count: () => (asked++, Promise.resolve(count)),
    asked: () => asked,
  };
};

describe('what may replace an exported hour', () => {
  it('refuses an answer holding other hours only, exported before or not', async () => {
    const elsewhere = answer({ count: 0, read: 0, otherHours: 2 });
    expect(await replaceRefusal(elsewhere, earlier(null, []))).toEqual({
      code: 'other-hours-answer',
      message:
        "The source's answer for 2020-01-25 05:00 UTC (events) holds 2 records, none of that hour: each belongs to another hour. Nothing was written, and the hour is not marked exported.",
      fix: expect.stringContaining('a proxy or cache between Ferry and Amplitude'),
    });
    expect(await replaceRefusal(elsewhere, earlier(100))).toMatchObject({
      code: 'other-hours-answer',
      message: expect.stringContaining('The 2 files an earlier export of this hour wrote stay'),
    });
    // Some events of the hour among others: the hour's own are exported, the rest left out.
    expect(await replaceRefusal(answer({ otherHours: 5 }), earlier(null, []))).toBeNull();
    // Nothing at all is an empty hour, as before.
    expect(await replaceRefusal(answer({ count: 0, read: 0 }), earlier(null, []))).toBeNull();
  });

  it('refuses an answer whose every line is unreadable, exported before or not', async () => {
    const bad = answer({
      count: 0,
      read: 0,
      badLines: 3,
      badSamples: ['a.json:1: not valid JSON'],
    });
    expect(await replaceRefusal(bad, earlier(100))).toMatchObject({
      code: 'unreadable-answer',
      message: expect.stringContaining('3 bad lines (a.json:1: not valid JSON)'),
    });
    expect(await replaceRefusal(bad, earlier(null, []))).toMatchObject({
      code: 'unreadable-answer',
      message: expect.stringContaining('the hour is not marked exported'),
    });
  });

  it('refuses an empty answer over an exported hour, and lets it stand for a new one', async () => {
    const empty = answer({ count: 0, read: 0 });
    expect(await replaceRefusal(empty, earlier(100))).toMatchObject({
      code: 'empty-answer',
      message: expect.stringContaining('wrote 2 files: /out/187520_2020-01-25_5#1.json.gz'),
    });
    // One file: said in the singular, verb and all.
    expect(await replaceRefusal(empty, earlier(100, files.slice(0, 1)))).toMatchObject({
      message: expect.stringMatching(/wrote 1 file: \S+\. .* so it stays as it is\.$/),
    });
    expect(
      await replaceRefusal(
        answer({ count: 0, read: 0, otherHours: 1 }),
        earlier(1, files.slice(1)),
      ),
    ).toMatchObject({
      message: expect.stringContaining(
        'holds 1 record, none of that hour: each belongs to another hour. The file an earlier export of this hour wrote stays as it is.',
      ),
    });
    expect(await replaceRefusal(empty, earlier(null, []))).toBeNull();
  });

  it('lets a well-formed answer replace an export, smaller or not, without asking the history', async () => {
    const smaller = earlier(500);
    expect(await replaceRefusal(answer({ count: 10, read: 10 }), smaller)).toBeNull();
    // All filtered out by a new event filter: the source's word, not an empty answer.
    expect(await replaceRefusal(answer({ count: 0, read: 10 }), smaller)).toBeNull();
    expect(smaller.asked()).toBe(0);
  });

  it('lets an answer with bad lines replace an export only when it holds as many records', async () => {
    const partly = answer({ count: 97, read: 97, badLines: 3, badSamples: ['x:1: bad'] });
    expect(await replaceRefusal(partly, earlier(97))).toBeNull();
    expect(await replaceRefusal(partly, earlier(90))).toBeNull();
    expect(await replaceRefusal(partly, earlier(100))).toMatchObject({
      code: 'shrink-unproven',
      message: expect.stringContaining('would replace an export of 100 with 97'),
    });
    // The history does not describe what is there: nothing proves the answer is not smaller.
    expect(await replaceRefusal(partly, earlier(null))).toMatchObject({
      code: 'shrink-unproven',
      message: expect.stringContaining("files Ferry's history does not account for"),
    });
    expect(await replaceRefusal(partly, earlier(null, []))).toBeNull();
  });

  it('says the same for merged IDs', async () => {
    const merged = answer({ dataset: 'merged-ids', count: 0, read: 40, badLines: 2 });
    expect(
      await replaceRefusal(merged, earlier(12, ['/out/-1_2020-01-25_5.json.gz'])),
    ).toMatchObject({ code: 'shrink-unproven', message: expect.stringContaining('(merged-ids)') });
  });
});

describe('whether the history describes what is there', () => {
  const job = (key: string, bytes: number, etag: string | null = null) => ({
    key,
    bytes,
    rawBytes: 0,
    events: 1,
    sha256: '',
    etag,
  });
  it('compares keys, sizes and ETags where both have them', () => {
    const written = [job('a', 10, '"e1"'), job('b', 20)];
    expect(
      sameObjects(written, [
        { key: 'b', size: 20, etag: '"x"' },
        { key: 'a', size: 10, etag: '"e1"' },
      ]),
    ).toBe(true);
    expect(
      sameObjects(written, [
        { key: 'a', size: 10, etag: '"e2"' },
        { key: 'b', size: 20, etag: null },
      ]),
    ).toBe(false);
    expect(
      sameObjects(written, [
        { key: 'a', size: 11, etag: null },
        { key: 'b', size: 20, etag: null },
      ]),
    ).toBe(false);
    expect(sameObjects(written, [{ key: 'a', size: 10, etag: null }])).toBe(false);
    expect(
      sameObjects(written, [
        { key: 'a', size: 10, etag: null },
        { key: 'c', size: 20, etag: null },
      ]),
    ).toBe(false);
  });
});
