import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveMerges, exportMergedIdsHour } from '../../../../electron/engine/pipeline/merged-ids';
import { WorkerPool } from '../../../../electron/engine/pipeline/pool';
import { FolderSink } from '../../../../electron/engine/sinks/folder';
import { DemoSource } from '../../../../electron/engine/sources/demo';
import { FilesSource } from '../../../../electron/engine/sources/files';
import { MERGED_ID_FIELDS } from '../../../../shared/model/export-format';
import { event, ndjson, readExported } from '../../../support/events';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const pool = new WorkerPool(2);
afterAll(() => pool.close());
const HOUR = '2020-01-25T05';
const signal = new AbortController().signal;

describe('merged Amplitude IDs', () => {
  it('derives merges from one user_id seen with several amplitude_ids (smallest id survives)', async () => {
    const root = await newDir();
    await writeFile(
      join(root, 'e.ndjson'),
      ndjson([
        event(HOUR, 1, { user_id: 'ann', amplitude_id: 500 }),
        event(HOUR, 2, {
          user_id: 'ann',
          amplitude_id: 300,
          server_upload_time: '2020-01-25 05:20:00.000000',
          event_time: '2020-01-25 05:19:58.000000',
        }),
        event(HOUR, 3, { user_id: 'ann', amplitude_id: 500 }),
        event(HOUR, 4, { user_id: 'bob', amplitude_id: 900 }),
        event(HOUR, 5, { user_id: null, amplitude_id: 901 }),
      ]),
    );
    const source = new FilesSource(root, await newDir(), 187520);
    const { merges, read, badLines } = await deriveMerges(
      await source.open(HOUR, signal),
      true,
      HOUR,
      187520,
      signal,
    );
    expect(read).toBe(5);
    expect(badLines).toBe(0);
    expect(merges).toEqual([
      {
        scope: 187520,
        merge_time: Date.parse('2020-01-25T05:01:07.123Z'),
        merge_server_time: Date.parse('2020-01-25T05:01:07.123Z'),
        amplitude_id: 300,
        merged_amplitude_id: 500,
      },
    ]);
  });

  it('writes one file per hour with the schema’s fields in order, or none when there are no merges', async () => {
    const out = await newDir();
    const sink = new FolderSink(out);
    const write = async (demo: DemoSource) => {
      const result = await exportMergedIdsHour({
        hour: HOUR,
        source: await demo.open(HOUR, signal),
        mixedHours: false,
        sink,
        pool,
        key: '-123_2020-01-25_5.json.gz',
        projectId: 7,
        gzipLevel: 6,
        signal,
      });
      if (result.object) await sink.commit(result.object.staged);
      return result;
    };
    const result = await write(
      new DemoSource({ projectId: 7, seed: 1, eventsPerHour: 5000, mergeRate: 0.05 }),
    );
    expect(result.derived).toBe(false);
    expect(result.merges).toBeGreaterThan(0);
    const { files, lines } = await readExported(out);
    expect(files).toEqual(['-123_2020-01-25_5.json.gz']);
    for (const line of lines) expect(Object.keys(line)).toEqual([...MERGED_ID_FIELDS]);
    const times = lines.map((l) => l.merge_server_time as number);
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const none = await write(
      new DemoSource({ projectId: 7, seed: 1, eventsPerHour: 100, mergeRate: 0 }),
    );
    expect(none).toMatchObject({ merges: 0, object: null, read: 0, badLines: 0 });
  });

  it('counts the lines merges could not be derived from: not an object, or no hour', async () => {
    const root = await newDir();
    await writeFile(
      join(root, 'e.ndjson'),
      [
        JSON.stringify(event(HOUR, 1, { user_id: 'ann', amplitude_id: 500 })),
        '{"user_id":"ann",',
        '[1,2]',
        JSON.stringify({ user_id: 'ann', amplitude_id: 300 }),
        '',
        JSON.stringify(event(HOUR, 2, { user_id: 'ann', amplitude_id: 300 })),
      ].join('\n') + '\n',
    );
    const source = new FilesSource(root, await newDir(), 187520);
    const seen = await deriveMerges(await source.open(HOUR, signal), true, HOUR, 7, signal);
    expect(seen).toMatchObject({ read: 2, badLines: 3 });
    expect(seen.merges).toHaveLength(1);
  });

  it('reads merges from a merged_ids/ folder of a files source, by merge_server_time', async () => {
    const root = await newDir();
    await mkdir(join(root, 'merged_ids'));
    const at = Date.parse('2020-01-25T05:30:00Z');
    await writeFile(
      join(root, 'merged_ids', 'm.ndjson'),
      ndjson([
        {
          scope: 1,
          merge_time: at,
          merge_server_time: at,
          amplitude_id: 1,
          merged_amplitude_id: 2,
        },
        {
          scope: 1,
          merge_time: at + 3_600_000,
          merge_server_time: at + 3_600_000,
          amplitude_id: 3,
          merged_amplitude_id: 4,
        },
      ]),
    );
    const hour = await new FilesSource(root, await newDir(), 187520).open(HOUR, signal);
    const merges = await hour.mergedIds();
    expect(merges).toEqual([
      { scope: 1, merge_time: at, merge_server_time: at, amplitude_id: 1, merged_amplitude_id: 2 },
    ]);
  });
});
