import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { exportEventsHour } from '../../../../electron/engine/pipeline/events';
import type { EventsExportResult } from '../../../../electron/engine/pipeline/event-types';
import { WorkerPool } from '../../../../electron/engine/pipeline/pool';
import { QueryCopyBatches } from '../../../../electron/engine/query/batches';
import { FolderSink } from '../../../../electron/engine/sinks/folder';
import { DemoSource } from '../../../../electron/engine/sources/demo';
import { FilesSource } from '../../../../electron/engine/sources/files';
import { SourceError, type EventSource } from '../../../../electron/engine/sources/types';
import { eventObjectKey } from '../../../../shared/model/export-format';
import { event, ndjson, readExported } from '../../../support/events';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const pool = new WorkerPool(2);
afterAll(() => pool.close());
const HOUR = '2020-01-25T05';
const PROJECT = 187520;

async function filesSource(text: string): Promise<FilesSource> {
  const root = await newDir();
  await writeFile(join(root, 'events.ndjson'), text);
  return new FilesSource(root, await newDir(), PROJECT);
}

/** Export the hour with its query copy into `out`, committing what was sealed. */
async function exportWithCopy(
  source: EventSource,
  out: string,
  fileBytes: number,
  { signal = new AbortController().signal, onProgress = () => {} } = {},
): Promise<EventsExportResult> {
  const sink = new FolderSink(out);
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
      queryCopy: { prefix: '', projectId: PROJECT, chunkBytes: 4096, fileBytes },
      signal,
      onProgress,
    });
    for (const o of [...result.objects, ...result.queryObjects]) await sink.commit(o.staged);
    return result;
  } finally {
    await hour.close();
  }
}

/** A copy of HOUR into the folder `out`, in chunks of 5,000 bytes and file sets of 50,000. */
function smallCopy(out: string): QueryCopyBatches {
  return new QueryCopyBatches({
    sink: new FolderSink(out),
    hour: HOUR,
    projectId: PROJECT,
    prefix: '',
    signal: new AbortController().signal,
    chunkBytes: 5_000,
    fileBytes: 50_000,
  });
}

async function readCopy(out: string): Promise<Record<string, unknown>[]> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const reader = await db.runAndReadAll(
      `SELECT * EXCLUDE (event_time, server_upload_time, upload_hour), strftime(event_time, '%Y-%m-%d %H:%M:%S.%f') AS event_time, event_date::VARCHAR AS day, filename
         FROM read_parquet('${out}/_query/events/*/*.parquet', filename = true, hive_partitioning = true)`,
    );
    return reader.getRowObjectsJS();
  } finally {
    db.closeSync();
  }
}

describe('the query copy of an exported hour', () => {
  const lines = [
    ...Array.from({ length: 300 }, (_, n) => event(HOUR, n)),
    // A resend of events 0–9: the export drops them, and so does the copy.
    ...Array.from({ length: 10 }, (_, n) => event(HOUR, n)),
    // Late: uploaded this hour, happened two days before.
    event(HOUR, 400, { event_time: '2020-01-23 11:00:00.000000' }),
  ];

  it('holds exactly the exported events, each under the date it happened', async () => {
    const out = await newDir();
    const result = await exportWithCopy(await filesSource(ndjson(lines)), out, 64 * 1024);
    expect(result.counts).toMatchObject({ eventsOut: 301, duplicates: 10 });
    const exported = (await readExported(out)).lines;
    const copy = await readCopy(out);
    expect(copy).toHaveLength(exported.length);
    expect(copy.map((r) => r.insert_id).sort()).toEqual(exported.map((e) => e.$insert_id).sort());
    const late = copy.filter((r) => r.day === '2020-01-23');
    expect(late.map((r) => r.insert_id)).toEqual([`ins-${HOUR}-400`]);
    // 300 events of ~450 bytes, files closed every 64 KiB: several files in the upload date.
    const days = await readdir(join(out, '_query/events'));
    expect(days).toEqual(['event_date=2020-01-23', 'event_date=2020-01-25']);
    const files = await readdir(join(out, '_query/events/event_date=2020-01-25'));
    expect(files.length).toBeGreaterThan(1);
    expect(files).toContain(`${PROJECT}_2020-01-25_5#1.parquet`);
    expect(result.queryObjects.reduce((sum, o) => sum + o.events, 0)).toBe(301);
    for (const row of copy) {
      const same = exported.find((e) => e.$insert_id === row.insert_id)!;
      expect(row.event_time).toBe(same.event_time);
      expect(JSON.parse(row.event_properties as string)).toEqual(same.event_properties);
    }
  });

  it('cuts the same chunks and files whatever pieces the bytes come in', async () => {
    const text = Buffer.from(ndjson(lines));
    const cut = async (pieces: number[]) => {
      const copy = smallCopy(await newDir());
      let at = 0;
      for (const size of pieces) {
        copy.write(text, at, Math.min(text.length, at + size));
        at += size;
        await copy.drain();
      }
      copy.write(text, at, text.length);
      return (await copy.finish()).map((o) => `${o.key} ${o.events} ${o.sha256}`);
    };
    const whole = await cut([]);
    expect(whole.length).toBeGreaterThan(3);
    expect(await cut(Array.from({ length: 400 }, (_, i) => 1 + ((i * 7919) % 977)))).toEqual(whole);
    expect(await cut(Array.from({ length: 3000 }, () => 61))).toEqual(whole);
  });

  it('sends the chunks in a few buffers, each reused once the worker gives it back', async () => {
    // A chunk ends past `chunkBytes` (at the line end after it): its buffer must have room for
    // that line, or each chunk would be copied into a new buffer twice its size, never reused.
    const sent = vi.spyOn(WorkerPool.prototype, 'queryLines');
    try {
      const copy = smallCopy(await newDir());
      const text = Buffer.from(ndjson(lines));
      for (let at = 0; at < text.length; at += 700) {
        copy.write(text, at, Math.min(text.length, at + 700));
        await copy.drain();
      }
      await copy.finish();
      // The worker hands each buffer back (a new ArrayBuffer object over the same memory): all
      // but the first few chunks go out in one of those.
      const back = new Set(await Promise.all(sent.mock.results.map((r) => r.value)));
      const chunks = sent.mock.calls.map(([input]) => input);
      expect(chunks.length).toBeGreaterThan(20);
      expect(chunks.filter((input) => back.has(input)).length).toBeGreaterThan(chunks.length - 5);
    } finally {
      sent.mockRestore();
    }
  });

  it('fails the hour on a value it can not type, naming it, and leaves nothing behind', async () => {
    const out = await newDir();
    const bad = [...lines.slice(0, 50), event(HOUR, 999, { event_time: 'yesterday' })];
    const error = await exportWithCopy(await filesSource(ndjson(bad)), out, 8 * 1024).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({
      code: 'query-copy-value',
      message: `The query copy can not type "event_time": "yesterday" is not a timestamp (line 51 of the hour's export)`,
    });
    const left = await readdir(out, { recursive: true });
    expect(
      left.filter((f) => !f.startsWith('.ferry-partial') && /\.(parquet|gz)$/.test(f)),
    ).toEqual([]);
    expect(await readdir(join(out, '.ferry-partial')).catch(() => [])).toEqual([]);
  });

  it('leaves no file and no temp file of the copy when cancelled part-way', async () => {
    const out = await newDir();
    const controller = new AbortController();
    let progressed = 0;
    const run = exportWithCopy(
      new DemoSource({ projectId: PROJECT, seed: 1, eventsPerHour: 20_000 }),
      out,
      1024 * 1024,
      {
        signal: controller.signal,
        onProgress: () => {
          if (++progressed === 6) controller.abort(new Error('cancelled by the admin'));
        },
      },
    );
    await expect(run).rejects.toThrow('cancelled by the admin');
    const left = await readdir(out, { recursive: true, withFileTypes: true });
    expect(left.filter((e) => e.isFile()).map((e) => e.name)).toEqual([]);
  });
});
