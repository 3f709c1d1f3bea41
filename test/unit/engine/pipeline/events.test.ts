import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type {
  EventsExportOptions,
  EventsExportResult,
} from '../../../../electron/engine/pipeline/event-types';
import { exportEventsHour } from '../../../../electron/engine/pipeline/events';
import { WorkerPool } from '../../../../electron/engine/pipeline/pool';
import { FolderSink } from '../../../../electron/engine/sinks/folder';
import { DemoSource } from '../../../../electron/engine/sources/demo';
import { FilesSource } from '../../../../electron/engine/sources/files';
import type { EventSource } from '../../../../electron/engine/sources/types';
import { EVENT_FIELDS, eventObjectKey } from '../../../../shared/model/export-format';
import { event, ndjson, readExported } from '../../../support/events';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const pool = new WorkerPool(2);
afterAll(() => pool.close());
const HOUR = '2020-01-25T05';
const PROJECT = 187520;

/** Export the hour through the pipeline, then make what it sealed visible (as a commit does). */
async function exportHour(
  source: EventSource,
  out: string,
  extra: Partial<EventsExportOptions> = {},
): Promise<EventsExportResult> {
  const sink = new FolderSink(out);
  const signal = extra.signal ?? new AbortController().signal;
  const hour = await source.open(HOUR, signal);
  try {
    const result = await exportEventsHour({
      hour: HOUR,
      source: hour,
      mixedHours: source.mixedHours,
      sink,
      pool,
      objectKey: (n) => eventObjectKey('', PROJECT, HOUR, n),
      partitionBytes: 512 * 1024 * 1024,
      gzipLevel: 6,
      filter: null,
      signal,
      ...extra,
    });
    for (const o of result.objects) await sink.commit(o.staged);
    return result;
  } finally {
    await hour.close();
  }
}

/** Every file left in a folder export, temp files (in `.ferry-partial/`) included. */
async function leftIn(out: string): Promise<string[]> {
  const temps = await readdir(join(out, '.ferry-partial')).catch(() => [] as string[]);
  const files = (await readdir(out)).filter((n) => n !== '.ferry-partial');
  return [...files, ...temps.map((n) => `.ferry-partial/${n}`)];
}

async function filesSource(
  lines: string,
  name = 'events.ndjson',
  gz = false,
): Promise<FilesSource> {
  const root = await newDir();
  await writeFile(join(root, gz ? `${name}.gz` : name), gz ? zlib.gzipSync(lines) : lines);
  return new FilesSource(root, await newDir(), 187520);
}

describe('exporting an hour of events', () => {
  it('splits into partitions, drops duplicates, keeps every schema field, and counts what it wrote', async () => {
    const events = Array.from({ length: 300 }, (_, n) => event(HOUR, n));
    const dupes = [events[3]!, events[150]!, events[299]!];
    const source = await filesSource(ndjson([...events, ...dupes]));
    const out = await newDir();
    const result = await exportHour(source, out, { partitionBytes: 40_000 });

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

  it('writes the same bytes for the same input', async () => {
    const events = Array.from({ length: 300 }, (_, n) => event(HOUR, n));
    const first = await exportHour(await filesSource(ndjson(events)), await newDir(), {
      partitionBytes: 40_000,
    });
    const again = await exportHour(await filesSource(ndjson(events)), await newDir(), {
      partitionBytes: 40_000,
    });
    expect(again.objects.map((o) => o.sha256)).toEqual(first.objects.map((o) => o.sha256));
  });

  it('makes nothing visible itself: partitions stay staged until their hour commits', async () => {
    const events = Array.from({ length: 300 }, (_, n) => event(HOUR, n));
    const source = await filesSource(ndjson(events));
    const out = await newDir();
    const sink = new FolderSink(out);
    const hour = await source.open(HOUR, new AbortController().signal);
    const result = await exportEventsHour({
      hour: HOUR,
      source: hour,
      mixedHours: true,
      sink,
      pool,
      objectKey: (n) => eventObjectKey('', PROJECT, HOUR, n),
      partitionBytes: 40_000,
      gzipLevel: 6,
      filter: null,
      signal: new AbortController().signal,
    });
    expect(result.objects.length).toBeGreaterThan(2);
    expect(await sink.list('')).toEqual([]); // only temp files so far
    for (const o of result.objects) await sink.discard(o.staged);
    expect(await leftIn(out)).toEqual([]);
  });

  it('throws when cancelled part-way and leaves nothing behind, not even sealed partitions', async () => {
    const demo = new DemoSource({ projectId: PROJECT, seed: 1, eventsPerHour: 20_000 });
    const out = await newDir();
    const controller = new AbortController();
    let progressed = 0;
    const run = exportHour(demo, out, {
      partitionBytes: 1024 * 1024,
      signal: controller.signal,
      onProgress: () => {
        if (++progressed === 3) controller.abort(new Error('cancelled by the admin'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by the admin');
    expect(await leftIn(out)).toEqual([]);
  });

  it('fills missing fields with null without touching what was there', async () => {
    const bigNumber =
      '{"$insert_id":"a","server_upload_time":"2020-01-25 05:10:00.000000","amplitude_id":12345678901234567890,"price":1.50}';
    const out = await newDir();
    const result = await exportHour(await filesSource(`${bigNumber}\n{}\n`), out);
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
    const result = await exportHour(await filesSource(lines, 'day.ndjson'), await newDir());
    expect(result.counts).toMatchObject({ eventsOut: 3, badLines: 3 });
    expect(result.badLineSamples).toEqual([
      expect.stringMatching(/^day\.ndjson:3: not valid JSON/),
      'day.ndjson:4: no valid server_upload_time, so it belongs to no hour',
      'day.ndjson:5: not a JSON object',
    ]);
  });

  it('reports a bad line of a file holding several hours with one of them, not with each', async () => {
    const root = await newDir();
    const day = `${ndjson([event('2020-01-25T04', 1), event(HOUR, 2)])}not json\n${ndjson([event('2020-01-25T06', 3)])}`;
    await writeFile(join(root, 'day.ndjson'), day);
    const source = new FilesSource(root, await newDir(), 187520);
    const bad: number[] = [];
    for (const hour of ['2020-01-25T04', HOUR, '2020-01-25T06']) {
      const opened = await source.open(hour, new AbortController().signal);
      const result = await exportEventsHour({
        hour,
        source: opened,
        mixedHours: true,
        sink: new FolderSink(await newDir()),
        pool,
        objectKey: (n) => eventObjectKey('', PROJECT, hour, n),
        partitionBytes: 512 * 1024 * 1024,
        gzipLevel: 6,
        filter: null,
        signal: new AbortController().signal,
      });
      expect(result.counts.eventsOut).toBe(1);
      bad.push(result.counts.badLines);
    }
    expect(bad).toEqual([1, 0, 0]);
  });

  it('keeps only the asked hour from files that hold several, gzipped or not', async () => {
    const mixed = ndjson([
      event(HOUR, 1),
      event('2020-01-25T06', 2),
      event(HOUR, 3),
      event('2020-01-25T04', 4),
    ]);
    const out = await newDir();
    const result = await exportHour(await filesSource(mixed, 'mixed.json', true), out);
    expect(result.counts.eventsOut).toBe(2);
    const { lines } = await readExported(out);
    expect(lines.map((l) => l.$insert_id)).toEqual([`ins-${HOUR}-1`, `ins-${HOUR}-3`]);
  });

  it('falls back to uuid when there is no $insert_id, and keeps events with neither', async () => {
    const noInsert = (n: number, uuid: string | null) => event(HOUR, n, { $insert_id: null, uuid });
    const result = await exportHour(
      await filesSource(
        ndjson([noInsert(1, 'same'), noInsert(2, 'same'), noInsert(3, null), noInsert(4, null)]),
      ),
      await newDir(),
    );
    expect(result.counts).toMatchObject({ eventsOut: 3, duplicates: 1 });
  });

  it('applies an include or exclude event-type filter', async () => {
    const events = Array.from({ length: 30 }, (_, n) => event(HOUR, n));
    const include = await exportHour(await filesSource(ndjson(events)), await newDir(), {
      filter: { mode: 'include', eventTypes: ['purchase'] },
    });
    expect(include.counts).toMatchObject({ eventsOut: 10, filtered: 20 });
    const exclude = await exportHour(await filesSource(ndjson(events)), await newDir(), {
      filter: { mode: 'exclude', eventTypes: ['purchase'] },
    });
    expect(exclude.counts).toMatchObject({ eventsOut: 20, filtered: 10 });
  });

  it('writes no file for an hour without data', async () => {
    const out = await newDir();
    const empty = await exportHour(await filesSource(ndjson([event('2020-01-25T09', 1)])), out);
    expect(empty.objects).toEqual([]);
    expect(empty.counts.eventsIn).toBe(0);
    expect(await readdir(out)).toEqual([]);
  });

  it('exports the demo source: deterministic, with about 1% duplicates', async () => {
    const demo = new DemoSource({ projectId: PROJECT, seed: 42, eventsPerHour: 3000 });
    const a = await exportHour(demo, await newDir());
    const b = await exportHour(demo, await newDir());
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
    const source = new FilesSource(root, cache, 187520);
    const names = async () => {
      const out: string[] = [];
      const hour = await source.open(HOUR, new AbortController().signal);
      for await (const s of hour.events()) {
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
