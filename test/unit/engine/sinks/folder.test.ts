import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DestinationFolderMissing,
  FOREIGN_TEMP_MAX_AGE_MS,
  FolderSink,
} from '../../../../electron/engine/sinks/folder';
import { eventObjectKey, eventObjectPrefix } from '../../../../shared/model/export-format';
import { useTempDirs } from '../../../support/temp';

/** Every folder read whole (readdir), by path. */
const read: string[] = [];
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof fs>();
  return {
    ...real,
    readdir: (path: string, ...rest: unknown[]) => {
      read.push(String(path));
      return (real.readdir as (...a: unknown[]) => unknown)(path, ...rest);
    },
  };
});

const newDir = useTempDirs();
const HOUR = '2026-02-02T03';
/** The data folder's instance id a sink writes its temp files under. */
const OWNER = 'a1b2c3d4e5f60718';
const key = (n: number, hour = HOUR) => eventObjectKey('', 187520, hour, n);

async function write(sink: FolderSink, name: string) {
  const staged = await sink.stage(name);
  await staged.write(Buffer.from(name));
  await sink.commit(await staged.seal());
}

describe('a folder export', () => {
  beforeEach(() => void read.splice(0));

  it("looks an hour's own files up by name: the rest of the folder is never read", async () => {
    const out = await newDir();
    const sink = new FolderSink(out);
    // Years of other hours beside it.
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        fs.writeFile(
          join(out, key(1, `2020-01-${String((i % 28) + 1).padStart(2, '0')}T${i % 24}`)),
          'x',
        ),
      ),
    );
    for (const n of [1, 2, 3]) await write(sink, key(n));
    read.splice(0);

    expect(
      (await sink.partitions(eventObjectPrefix('', 187520, HOUR), key)).map((o) => o.key),
    ).toEqual([key(1), key(2), key(3)]);
    expect((await sink.find(['-1_2026-02-02_3.json.gz', key(2)])).map((o) => o.key)).toEqual([
      key(2),
    ]);
    expect(await sink.cleanup(eventObjectPrefix('', 187520, HOUR))).toBe(0);
    expect(read.filter((path) => path === out)).toEqual([]);
  });

  it('keeps temp files in .ferry-partial/; a cleanup removes the hour’s leftovers only', async () => {
    const out = await newDir();
    const sink = new FolderSink(out, 0o600, OWNER);
    const staged = await sink.stage(key(1));
    await staged.write(Buffer.from('half'));
    expect(await fs.readdir(join(out, '.ferry-partial'))).toEqual([
      expect.stringMatching(/^a1b2c3d4e5f60718-[a-f0-9]{8}-187520_2026-02-02_3#1\.json\.gz$/),
    ]);
    expect(await sink.list('')).toEqual([]); // nothing visible
    expect(await sink.cleanup(eventObjectPrefix('', 187520, HOUR))).toBe(0); // a live run's
    await staged.abort();

    // What a killed run left: this hour's temp file, and another hour's.
    const temps = join(out, '.ferry-partial');
    await fs.writeFile(join(temps, `0badc0de-${key(2)}`), 'x');
    await fs.writeFile(join(temps, `0badc0de-${key(1, '2026-02-02T04')}`), 'x');
    expect(await sink.cleanup(eventObjectPrefix('', 187520, HOUR))).toBe(1);
    expect(await fs.readdir(temps)).toEqual([`0badc0de-${key(1, '2026-02-02T04')}`]);
  });

  it("never removes another Ferry's live temp file; its own leftovers at once", async () => {
    const out = await newDir();
    const temps = join(out, '.ferry-partial');
    // Two Ferrys (two data folders, two processes) write the same folder before a claim settles
    // it: the first one's temp file, being written in its own process, is fresh and not ours.
    const second = new FolderSink(out, 0o600, 'ffffeeeeddddcccc');
    await fs.mkdir(temps);
    const theirs = `${OWNER}-0badc0de-${key(1)}`;
    await fs.writeFile(join(temps, theirs), 'the first one writes');
    expect(await second.cleanup(eventObjectPrefix('', 187520, HOUR))).toBe(0);
    expect(await fs.readdir(temps)).toEqual([theirs]);
    await fs.rm(join(temps, theirs));

    // Left by a killed run of the second (its instance id, not live here): removed by it.
    await fs.writeFile(join(temps, `ffffeeeeddddcccc-0badc0de-${key(2)}`), 'x');
    // The first's, abandoned for over a day: removed by anyone; a fresh one stays.
    const old = join(temps, `${OWNER}-0badc0de-${key(3)}`);
    await fs.writeFile(old, 'x');
    const aDayAgo = new Date(Date.now() - FOREIGN_TEMP_MAX_AGE_MS - 60_000);
    await fs.utimes(old, aDayAgo, aDayAgo);
    await fs.writeFile(join(temps, `${OWNER}-0badc0de-${key(4)}`), 'x');
    expect(await second.cleanup(eventObjectPrefix('', 187520, HOUR))).toBe(2);
    expect(await fs.readdir(temps)).toEqual([`${OWNER}-0badc0de-${key(4)}`]);
  });
});

describe('a folder export and links planted in it', () => {
  it('never writes through a symbolic link under the destination', async () => {
    const root = await newDir();
    const elsewhere = await newDir();
    // Another user made `_manifests` a link to a folder of theirs (or to /etc).
    await fs.symlink(elsewhere, join(root, '_manifests'));
    const sink = new FolderSink(root);
    await expect(write(sink, '_manifests/187520_2026-02-02_3.json')).rejects.toMatchObject({
      code: 'EPERM',
      message: expect.stringContaining(`${join(root, '_manifests')} is a symbolic link`),
    });
    expect(await fs.readdir(elsewhere)).toEqual([]);
    // The destination itself may be a link: the admin chose it.
    const linked = join(await newDir(), 'exports');
    await fs.symlink(root, linked);
    await write(new FolderSink(linked), 'plain.json');
    expect(await fs.readFile(join(root, 'plain.json'), 'utf8')).toBe('plain.json');
  });

  it('neither writes nor cleans up through a link planted as the temp folder', async () => {
    const root = await newDir();
    const elsewhere = await newDir();
    await fs.mkdir(join(root, '_query/events/event_date=2026-02-02'), { recursive: true });
    // Theirs, named like a leftover of this project: a cleanup through the link would remove it.
    const theirs = `0badc0de-187520_2026-02-02_3#1.parquet`;
    await fs.writeFile(join(elsewhere, theirs), 'not Ferry’s');
    await fs.symlink(elsewhere, join(root, '_query/events/event_date=2026-02-02/.ferry-partial'));
    await fs.symlink(elsewhere, join(root, '.ferry-partial'));
    const sink = new FolderSink(root, 0o600, OWNER);
    for (const name of [
      key(1),
      `_query/events/event_date=2026-02-02/187520_2026-02-02_3#1.parquet`,
    ])
      await expect(write(sink, name), name).rejects.toMatchObject({
        code: 'EPERM',
        message: expect.stringContaining('.ferry-partial is a symbolic link'),
      });
    expect(await sink.cleanup('_query/events/')).toBe(0);
    expect(await sink.cleanup(eventObjectPrefix('', 187520, HOUR))).toBe(0);
    expect(await fs.readdir(elsewhere)).toEqual([theirs]);
  });
});

describe('a folder export whose folder is not there', () => {
  it('neither writes nor reads an empty destination: it says the folder is missing, makes nothing', async () => {
    // An unmounted disk: its folder is gone from the disk underneath, which must stay untouched.
    const underneath = await newDir();
    const root = join(underneath, 'exports');
    const sink = new FolderSink(root);
    const missing = { name: 'DestinationFolderMissing', root };
    await expect(write(sink, key(1))).rejects.toMatchObject(missing);
    await expect(sink.list(eventObjectPrefix('', 187520, HOUR))).rejects.toMatchObject(missing);
    await expect(sink.find([key(1)])).rejects.toMatchObject(missing);
    await expect(sink.partitions(eventObjectPrefix('', 187520, HOUR), key)).rejects.toBeInstanceOf(
      DestinationFolderMissing,
    );
    expect(await fs.readdir(underneath)).toEqual([]);

    // A file in its place is not a folder either.
    await fs.writeFile(root, 'x');
    await expect(write(sink, key(1))).rejects.toThrow(`${root} is a file, not a folder.`);

    // A sealed file whose folder goes away before its commit (the disk unmounted, then a
    // restart finishing the commit) is not lost: it commits once the folder is back.
    await fs.rm(root);
    await fs.mkdir(root);
    const staged = await sink.stage(key(2));
    await staged.write(Buffer.from('two'));
    const sealed = await staged.seal();
    await fs.rename(root, `${root}.away`);
    await expect(sink.commit(sealed)).rejects.toBeInstanceOf(DestinationFolderMissing);
    await fs.rename(`${root}.away`, root);
    await sink.commit(sealed);
    expect(await fs.readFile(join(root, key(2)), 'utf8')).toBe('two');

    // The folder back (the disk mounted again): the export goes on there.
    await write(sink, key(1));
    expect((await sink.find([key(1)])).map((o) => o.key)).toEqual([key(1)]);
  });

  it("reaches a folder prefix's partition folders (the query copy), and spares what it is told", async () => {
    const out = await newDir();
    const sink = new FolderSink(out, 0o600, OWNER);
    const copy = (date: string, name: string) => `_query/events/event_date=${date}/${name}`;
    const left = [
      copy('2020-01-20', '187520_2026-02-02_3#1.parquet'),
      copy('2020-01-21', '187520_2026-02-02_4#1.parquet'),
      copy('2020-01-21', '999_2026-02-02_3#1.parquet'),
    ];
    for (const key of left) {
      const temps = join(out, ...key.split('/').slice(0, -1), '.ferry-partial');
      await fs.mkdir(temps, { recursive: true });
      await fs.writeFile(join(temps, `${OWNER}-0badc0de-${key.split('/').pop()}`), 'x');
    }
    // A live run's staged file in a partition folder is never a leftover.
    const live = await sink.stage(copy('2020-01-22', '187520_2026-02-02_5#1.parquet'));
    read.splice(0);
    expect(
      await sink.cleanup('_query/events/', { spare: (key) => !key.includes('/187520_') }),
    ).toBe(2);
    const remaining = await fs.readdir(
      join(out, '_query/events/event_date=2020-01-21/.ferry-partial'),
    );
    expect(remaining).toEqual([`${OWNER}-0badc0de-999_2026-02-02_3#1.parquet`]);
    expect(
      await fs.readdir(join(out, '_query/events/event_date=2020-01-20/.ferry-partial')),
    ).toEqual([]);
    expect(
      await fs.readdir(join(out, '_query/events/event_date=2020-01-22/.ferry-partial')),
    ).toHaveLength(1);
    expect(read.filter((path) => path === out)).toEqual([]); // the destination itself: never read
    await live.abort();
  });
});
