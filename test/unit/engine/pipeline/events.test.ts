import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  exportEventsHour,
  type EventsExportOptions,
} from '../../../../electron/engine/pipeline/events';
import { WorkerPool } from '../../../../electron/engine/pipeline/pool';
import { FolderSink } from '../../../../electron/engine/sinks/folder';
import { DemoSource } from '../../../../electron/engine/sources/demo';
import { FilesSource } from '../../../../electron/engine/sources/files';
import {
  EVENT_FIELDS,
  eventObjectKey,
  eventObjectPrefix,
  partitionOf,
} from '../../../../shared/model/export-format';
import { event, ndjson, readExported } from '../../../support/events';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const pool = new WorkerPool(2);
afterAll(() => pool.close());
const HOUR = '2020-01-25T05';
const PROJECT = 187520;

function options(
  source: EventsExportOptions['source'],
  out: string,
  extra: Partial<EventsExportOptions> = {},
): EventsExportOptions {
  return {
    hour: HOUR,
    source,
    sink: new FolderSink(out),
    pool,
    objectKey: (n) => eventObjectKey('', PROJECT, HOUR, n),
    objectPrefix: eventObjectPrefix('', PROJECT, HOUR),
    partitionOf: (key) => partitionOf(key, '', PROJECT, HOUR),
    partitionBytes: 512 * 1024 * 1024,
    gzipLevel: 6,
    filter: null,
    signal: new AbortController().signal,
    ...extra,
  };
}

async function filesSource(
  lines: string,
  name = 'events.ndjson',
  gz = false,
): Promise<FilesSource> {
  const root = await newDir();
  await writeFile(join(root, gz ? `${name}.gz` : name), gz ? zlib.gzipSync(lines) : lines);
  return new FilesSource(root, await newDir());
}

describe('exporting an hour of events', () => {
  it('splits into partitions, drops duplicates, keeps every schema field, and counts what it wrote', async () => {
    const events = Array.from({ length: 300 }, (_, n) => event(HOUR, n));
    const dupes = [events[3]!, events[150]!, events[299]!];
    const source = await filesSource(ndjson([...events, ...dupes]));
    const out = await newDir();
    const result = await exportEventsHour(options(source, out, { partitionBytes: 40_000 }));

    expect(result.objects.length).toBeGreaterThanOrEqual(3);
    expect(result.objects.map((o) => o.key)).toEqual(
      result.objects.map((_, i) => `${PROJECT}_2020-01-25_5#${i + 1}.json.gz`),
    );
    const { files, lines } = await readExported(out);
    expect(files).toEqual(result.objects.map((o) => o.key).sort());
    expect(lines).toHaveLength(300);
    expect(new Set(lines.map((l) => l.$insert_id)).size).toBe(300);
    for (const line of lines)
      expect(Object.keys(line)).toEqual(expect.arrayContaining([...EVENT_FIELDS]));
    expect(result.counts).toEqual({
      eventsIn: 303,
      eventsOut: 300,
      duplicates: 3,
      filtered: 0,
      badLines: 0,
    });
    expect(result.objects.reduce((n, o) => n + o.events, 0)).toBe(300);
    for (const o of result.objects) expect(o.rawBytes).toBeLessThanOrEqual(40_000);
  });

  it('writes the same bytes for the same input, and a smaller re-export removes stale partitions', async () => {
    const events = Array.from({ length: 300 }, (_, n) => event(HOUR, n));
    const out = await newDir();
    const first = await exportEventsHour(
      options(await filesSource(ndjson(events)), out, { partitionBytes: 40_000 }),
    );
    const again = await exportEventsHour(
      options(await filesSource(ndjson(events)), out, { partitionBytes: 40_000 }),
    );
    expect(again.objects.map((o) => o.sha256)).toEqual(first.objects.map((o) => o.sha256));
    expect(again.removedStale).toEqual([]);

    const smaller = await exportEventsHour(
      options(await filesSource(ndjson(events.slice(0, 20))), out, { partitionBytes: 40_000 }),
    );
    expect(smaller.objects).toHaveLength(1);
    expect(smaller.removedStale.length).toBe(first.objects.length - 1);
    expect((await readdir(out)).sort()).toEqual([`${PROJECT}_2020-01-25_5#1.json.gz`]);
  });

  it('fills missing fields with null without touching what was there', async () => {
    const bigNumber =
      '{"$insert_id":"a","server_upload_time":"2020-01-25 05:10:00.000000","amplitude_id":12345678901234567890,"price":1.50}';
    const out = await newDir();
    const result = await exportEventsHour(options(await filesSource(`${bigNumber}\n{}\n`), out));
    const text = zlib.gunzipSync(await readFile(join(out, result.objects[0]!.key))).toString();
    const [first] = text.split('\n');
    // Values pass through as written: no float rounding of the big id, 1.50 stays 1.50.
    expect(
      first!.startsWith(
        '{"$insert_id":"a","server_upload_time":"2020-01-25 05:10:00.000000","amplitude_id":12345678901234567890,"price":1.50,',
      ),
    ).toBe(true);
    const parsed = JSON.parse(first!) as Record<string, unknown>;
    for (const field of EVENT_FIELDS) expect(parsed).toHaveProperty(field);
    expect(parsed.city).toBeNull();
    expect(result.counts.badLines).toBe(1); // "{}" has no server_upload_time, so no hour
  });

  it('reports bad lines with file and line number, never exporting or crashing on them', async () => {
    const good = ndjson([event(HOUR, 1), event(HOUR, 2)]);
    const lines = `${good}not json at all\n{"$insert_id":"x","server_upload_time":"yesterday"}\n[1,2]\n\n${ndjson([event(HOUR, 3)])}`;
    const out = await newDir();
    const result = await exportEventsHour(options(await filesSource(lines, 'day.ndjson'), out));
    expect(result.counts).toMatchObject({ eventsOut: 3, badLines: 3 });
    expect(result.badLineSamples).toEqual([
      expect.stringMatching(/^day\.ndjson:3: not valid JSON/),
      'day.ndjson:4: no valid server_upload_time, so it belongs to no hour',
      'day.ndjson:5: not a JSON object',
    ]);
  });

  it('keeps only the asked hour from files that hold several, gzipped or not', async () => {
    const mixed = ndjson([
      event(HOUR, 1),
      event('2020-01-25T06', 2),
      event(HOUR, 3),
      event('2020-01-25T04', 4),
    ]);
    const out = await newDir();
    const result = await exportEventsHour(
      options(await filesSource(mixed, 'mixed.json', true), out),
    );
    expect(result.counts.eventsOut).toBe(2);
    const { lines } = await readExported(out);
    expect(lines.map((l) => l.$insert_id)).toEqual([`ins-${HOUR}-1`, `ins-${HOUR}-3`]);
  });

  it('falls back to uuid when there is no $insert_id, and keeps events with neither', async () => {
    const noInsert = (n: number, uuid: string | null) => event(HOUR, n, { $insert_id: null, uuid });
    const out = await newDir();
    const result = await exportEventsHour(
      options(
        await filesSource(
          ndjson([noInsert(1, 'same'), noInsert(2, 'same'), noInsert(3, null), noInsert(4, null)]),
        ),
        out,
      ),
    );
    expect(result.counts).toMatchObject({ eventsOut: 3, duplicates: 1 });
  });

  it('applies an include or exclude event-type filter', async () => {
    const events = Array.from({ length: 30 }, (_, n) => event(HOUR, n));
    const include = await exportEventsHour(
      options(await filesSource(ndjson(events)), await newDir(), {
        filter: { mode: 'include', eventTypes: ['purchase'] },
      }),
    );
    expect(include.counts).toMatchObject({ eventsOut: 10, filtered: 20 });
    const exclude = await exportEventsHour(
      options(await filesSource(ndjson(events)), await newDir(), {
        filter: { mode: 'exclude', eventTypes: ['purchase'] },
      }),
    );
    expect(exclude.counts).toMatchObject({ eventsOut: 20, filtered: 10 });
  });

  it('writes no file for an hour without data, and removes an earlier export’s files', async () => {
    const out = await newDir();
    await exportEventsHour(options(await filesSource(ndjson([event(HOUR, 1)])), out));
    const empty = await exportEventsHour(
      options(await filesSource(ndjson([event('2020-01-25T09', 1)])), out),
    );
    expect(empty.objects).toEqual([]);
    expect(empty.removedStale).toEqual([`${PROJECT}_2020-01-25_5#1.json.gz`]);
    expect(await readdir(out)).toEqual([]);
  });

  it('exports the demo source: deterministic, with about 1% duplicates', async () => {
    const demo = new DemoSource({ projectId: PROJECT, seed: 42, eventsPerHour: 3000 });
    const a = await exportEventsHour(options(demo, await newDir()));
    const b = await exportEventsHour(options(demo, await newDir()));
    expect(a.objects[0]!.sha256).toBe(b.objects[0]!.sha256);
    expect(a.counts.eventsIn).toBe(3000);
    expect(a.counts.duplicates).toBeGreaterThan(10);
    expect(a.counts.duplicates).toBeLessThan(60);
  });

  it('re-indexes a folder when files change, and reads only files that hold the hour', async () => {
    const root = await newDir();
    const cache = await newDir();
    await writeFile(join(root, 'a.ndjson'), ndjson([event(HOUR, 1)]));
    await mkdir(join(root, 'sub'));
    await writeFile(join(root, 'sub', 'b.ndjson'), ndjson([event('2020-01-25T06', 2)]));
    const source = new FilesSource(root, cache);
    const names = async () => {
      const out: string[] = [];
      for await (const s of source.events(HOUR, new AbortController().signal)) {
        out.push(s.name);
        await s.close?.();
      }
      return out;
    };
    expect(await names()).toEqual(['a.ndjson']);
    await writeFile(join(root, 'sub', 'b.ndjson'), ndjson([event(HOUR, 3)]));
    expect(await names()).toEqual(['a.ndjson', 'sub/b.ndjson']);
    expect((await readdir(cache)).some((f) => f.startsWith('files-index-'))).toBe(true);
  });
});
