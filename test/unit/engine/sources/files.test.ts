import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FilesSource } from '../../../../electron/engine/sources/files';
import { SourceError } from '../../../../electron/engine/sources/types';
import { event, ndjson } from '../../../support/events';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const HOUR = '2020-01-25T05';
const signal = new AbortController().signal;

/** Read every event stream of the hour to its end. */
async function readHour(source: FilesSource): Promise<number> {
  const hour = await source.open(HOUR, signal);
  let bytes = 0;
  for await (const stream of hour.events())
    for await (const chunk of stream.chunks) bytes += chunk.length;
  return bytes;
}

const gz = () => zlib.gzipSync(ndjson(Array.from({ length: 200 }, (_, n) => event(HOUR, n))));

/** Set a file's modification time two minutes back. */
async function aged(path: string): Promise<void> {
  const then = new Date(Date.now() - 120_000);
  await utimes(path, then, then);
}

describe('a damaged file in a files source', () => {
  it.each([
    ['cut short', (b: Buffer) => b.subarray(0, b.length - 100), /its gzip data ends early/],
    [
      'corrupt',
      (b: Buffer) => Buffer.from(b.map((x, i) => (i > 30 && i % 7 === 0 ? x ^ 0x5a : x))),
      /its gzip data is corrupt/,
    ],
  ])(
    'is a permanent source-damaged error naming the file, with a fix (%s)',
    async (_, damage, what) => {
      const root = await newDir();
      await writeFile(join(root, 'day.json.gz'), damage(gz()));
      // Damaged at rest (a minute after its last change it is no copy coming in).
      await aged(join(root, 'day.json.gz'));
      const failure = await readHour(new FilesSource(root, await newDir(), 187520)).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(SourceError);
      expect(failure).toMatchObject({
        code: 'source-damaged',
        transient: false,
        message: expect.stringMatching(
          new RegExp(`^The file day\\.json\\.gz in the source folder ${root} is damaged: `),
        ),
        fix: `Replace ${join(root, 'day.json.gz')} with a good copy, or move it out of the folder; the hours it holds are exported again once it is.`,
      });
      expect((failure as Error).message).toMatch(what);
    },
  );

  it('is named when it was damaged after it was indexed (same size and time)', async () => {
    const root = await newDir();
    const path = join(root, 'day.json.gz');
    await writeFile(path, gz());
    const source = new FilesSource(root, await newDir(), 187520);
    expect(await readHour(source)).toBeGreaterThan(0);
    const { mtime, atime } = await stat(path);
    const bytes = await readFile(path);
    for (let i = 40; i < bytes.length - 40; i += 5) bytes[i]! ^= 0x33;
    await writeFile(path, bytes);
    await utimes(path, atime, mtime);
    await expect(readHour(source)).rejects.toMatchObject({ code: 'source-damaged' });
  });
});

// A read stream whose file is gone fails with 'error'; piped into gunzip, that error reached no
// listener and ended the whole process (a serve, the desktop app), not just the hour.
// A copy coming into the folder as the hour is exported: read now, its hours would be marked done
// with part of their events, and never exported again.
describe('a file still being written', () => {
  it('holds every hour back, transiently, until it is whole or a minute old', async () => {
    const root = await newDir();
    const whole = ndjson([event(HOUR, 1), event(HOUR, 2)]);
    await writeFile(join(root, 'copying.json'), whole.slice(0, whole.length - 40));
    const source = new FilesSource(root, await newDir(), 187520);
    await expect(readHour(source)).rejects.toMatchObject({
      code: 'source-being-written',
      transient: true,
      message: expect.stringMatching(
        new RegExp(
          `^The file copying\\.json in the source folder ${root} is still being written \\(changed \\d+ s ago, its last line not finished\\)$`,
        ),
      ),
    });
    // The copy ends: read whole.
    await writeFile(join(root, 'copying.json'), whole);
    expect(await readHour(source)).toBe(whole.length);

    // A gzip copy cut short a moment ago is coming in too; at rest, it is damaged.
    const bytes = gz();
    await writeFile(join(root, 'more.json.gz'), bytes.subarray(0, bytes.length - 100));
    await expect(readHour(source)).rejects.toMatchObject({
      code: 'source-being-written',
      transient: true,
    });
    await aged(join(root, 'more.json.gz'));
    await expect(readHour(source)).rejects.toMatchObject({
      code: 'source-damaged',
      transient: false,
    });

    // A file written without a last line break, left as it is, is read after its minute.
    await rm(join(root, 'more.json.gz'));
    await writeFile(join(root, 'copying.json'), whole.trimEnd());
    await expect(readHour(source)).rejects.toMatchObject({ code: 'source-being-written' });
    await aged(join(root, 'copying.json'));
    expect(await readHour(source)).toBe(whole.trimEnd().length);
  });
});

describe('a file that goes away after it was indexed', () => {
  it.each([['day.json.gz'], ['day.json']])(
    'fails the hour with a retryable error naming it, and the process goes on (%s)',
    async (name) => {
      const root = await newDir();
      const path = join(root, name);
      await writeFile(path, name.endsWith('.gz') ? gz() : ndjson([event(HOUR, 1)]));
      await writeFile(join(root, 'other-day.json'), ndjson([event('2020-01-26T05', 1)]));
      const source = new FilesSource(root, await newDir(), 187520);
      const hour = await source.open(HOUR, signal);
      await rm(path);
      const failure = await (async () => {
        for await (const stream of hour.events()) for await (const _ of stream.chunks);
      })().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(SourceError);
      expect(failure).toMatchObject({
        code: 'source-missing',
        transient: true,
        message: `The file ${name} in the source folder ${root} went away while Ferry read it`,
      });
      // The next try goes by the folder as it is now.
      expect(await readHour(source)).toBe(0);
    },
  );

  // The export reads a plain file straight into its buffers (readInto), never through `chunks`.
  it('fails the hour the same way when read straight into a buffer', async () => {
    const root = await newDir();
    await writeFile(join(root, 'day.json'), ndjson([event(HOUR, 1)]));
    const source = new FilesSource(root, await newDir(), 187520);
    const hour = await source.open(HOUR, signal);
    await rm(join(root, 'day.json'));
    const failure = await (async () => {
      for await (const stream of hour.events()) await stream.readInto!(new Uint8Array(64), 0, 64);
    })().catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'source-missing', transient: true });
    // Nothing opened the file besides: a stray stream would fail later, with no one to hear it.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});

describe('a files source folder with no event file at all', () => {
  it('proves no hour empty: a disk not mounted is not "no events"', async () => {
    // An unmounted disk leaves its mount point an empty folder (hidden files aside).
    const root = await newDir();
    await writeFile(join(root, '.DS_Store'), 'x');
    await writeFile(join(root, 'notes.txt'), 'x');
    const source = new FilesSource(root, await newDir(), 187520);
    await expect(source.open(HOUR, signal)).rejects.toMatchObject({
      name: 'SourceError',
      code: 'source-empty',
      transient: false,
      message: `The source folder ${root} holds no event files at all (.json, .ndjson or .jsonl, gzipped or not)`,
    });
    // With files, none of that hour: the hour is empty by the folder's word.
    await writeFile(join(root, 'day.json'), ndjson([event('2020-01-26T05', 1)]));
    expect(await readHour(source)).toBe(0);
  });
});

describe('a file in a files source with no event Ferry can read', () => {
  it.each([
    [
      'a JSON array',
      '[\n  {\n    "event_type": "a",\n    "server_upload_time": "2020-01-25 05:10:00.000000"\n  }\n]\n',
      '6 lines',
      'line 1: not valid JSON',
    ],
    [
      'a CSV',
      'event_type,server_upload_time\na,2020-01-25 05:10:00\n',
      '2 lines',
      'line 1: not valid JSON',
    ],
    [
      'another tool’s events',
      '\n{"event":"a","timestamp":"2020-01-25T05:10:00Z"}\n',
      '1 line',
      'line 2: no server_upload_time',
    ],
    ['an array per line', '[1,2]\n', '1 line', 'line 1: not a JSON object'],
    [
      'UTF-16 text',
      Buffer.from(`\ufeff${ndjson([event(HOUR, 1)])}`, 'utf16le'),
      // The line break's second byte (a zero) is a line of its own.
      '2 lines',
      'the file is UTF-16 text (as Windows PowerShell writes it); Ferry reads UTF-8',
    ],
    [
      'gzip named .json',
      zlib.gzipSync('x'.repeat(64)),
      '1 line',
      'the file is gzip-compressed: give it a name ending in .gz',
    ],
  ])('fails every hour, naming the file and why (%s)', async (_, text, lines, sample) => {
    // Its events would be in no hour: each hour exported "done" without them.
    const root = await newDir();
    await writeFile(join(root, 'good.json'), ndjson([event(HOUR, 1)]));
    await writeFile(join(root, 'other.json'), text);
    const source = new FilesSource(root, await newDir(), 187520);
    const failure = {
      name: 'SourceError',
      code: 'source-not-events',
      transient: false,
      message: `The file other.json in the source folder ${root} holds no event Ferry can read: none of its ${lines} is a JSON object with a server_upload_time Ferry reads (${sample})`,
      fix: `Ferry reads NDJSON — one JSON object per line, each with its server_upload_time, as Amplitude exports them. Convert ${join(root, 'other.json')} to that, or move it out of the folder; no hour of this project is exported until then (any of them may be in that file).`,
    };
    await expect(readHour(source)).rejects.toMatchObject(failure);
    // Known from the saved index, too (another process, a restart).
    await expect(source.open('2020-01-26T05', signal)).rejects.toMatchObject(failure);
    await rm(join(root, 'other.json'));
    expect(await readHour(source)).toBeGreaterThan(0);
  });

  it('names the file whose line runs on past 8 MiB', async () => {
    const root = await newDir();
    await writeFile(join(root, 'good.json'), ndjson([event(HOUR, 1)]));
    await writeFile(join(root, 'blob.json'), Buffer.alloc(9 * 1024 * 1024, 0x61));
    await expect(readHour(new FilesSource(root, await newDir(), 187520))).rejects.toMatchObject({
      code: 'line-too-long',
      message: `The file blob.json in the source folder ${root} is not NDJSON: line 1 is longer than 8 MiB without a line break`,
      fix: `Ferry reads one JSON object per line. Convert ${join(root, 'blob.json')} to that, or move it out of the folder; the hours it holds are exported once it is.`,
    });
  });

  it('reads event files whatever the case of their names (EVENTS.JSON, DAY.JSON.GZ)', async () => {
    const root = await newDir();
    await writeFile(join(root, 'EVENTS.JSON'), ndjson([event(HOUR, 1)]));
    await writeFile(join(root, 'DAY.Json.GZ'), gz());
    const hour = await new FilesSource(root, await newDir(), 187520).open(HOUR, signal);
    const names: string[] = [];
    let bytes = 0;
    for await (const stream of hour.events()) {
      names.push(stream.name);
      for await (const chunk of stream.chunks) bytes += chunk.length;
    }
    expect(names).toEqual(['DAY.Json.GZ', 'EVENTS.JSON']);
    expect(bytes).toBe(zlib.gunzipSync(gz()).length + ndjson([event(HOUR, 1)]).length);
  });

  it('leaves an export’s files that are not events alone: merged-ID files and manifests', async () => {
    const root = await newDir();
    await writeFile(join(root, '187520_2020-01-25_5#1.json.gz'), gz());
    await writeFile(
      join(root, '-123_2020-01-25_5.json.gz'),
      zlib.gzipSync('{"amplitude_id":1,"merged_amplitude_id":2,"merge_server_time":"x"}\n'),
    );
    await mkdir(join(root, '_manifests'));
    await writeFile(join(root, '_manifests', '187520_2020-01-25.json'), '{\n  "hours": {}\n}\n');
    expect(await readHour(new FilesSource(root, await newDir(), 187520))).toBeGreaterThan(0);
  });
});

// A folder holding several Amplitude projects' exports (a synced export bucket) is read for the
// project exported, never mixed; its events name their project as `app`.
describe("a files source holding other projects' events", () => {
  const of = (app: number, ...ns: number[]) => ndjson(ns.map((n) => ({ ...event(HOUR, n), app })));
  const namesAndBytes = async (source: FilesSource) => {
    const hour = await source.open(HOUR, signal);
    const out: Record<string, string> = {};
    for await (const stream of hour.events()) {
      const parts: Buffer[] = [];
      for await (const chunk of stream.chunks) parts.push(Buffer.from(chunk));
      out[stream.name] = Buffer.concat(parts).toString();
    }
    return out;
  };

  it("reads this project's files only, and files that do not say", async () => {
    const root = await newDir();
    await mkdir(join(root, '187520'));
    await mkdir(join(root, '999'));
    await writeFile(join(root, '187520', 'a.json'), of(187520, 1, 2));
    await writeFile(join(root, '999', 'a.json.gz'), zlib.gzipSync(of(999, 3)));
    await writeFile(join(root, 'plain.json'), ndjson([event(HOUR, 4)]));
    const read = await namesAndBytes(new FilesSource(root, await newDir(), 187520));
    expect(read).toEqual({
      '187520/a.json': of(187520, 1, 2),
      'plain.json': ndjson([event(HOUR, 4)]),
    });
    // The same folder for project 999, over the same index.
    const cache = await newDir();
    await namesAndBytes(new FilesSource(root, cache, 187520));
    expect(Object.keys(await namesAndBytes(new FilesSource(root, cache, 999)))).toEqual([
      '999/a.json.gz',
      'plain.json',
    ]);
  });

  it('refuses a file mixing projects, and a folder of other projects only', async () => {
    const root = await newDir();
    await writeFile(join(root, 'mixed.json'), of(187520, 1) + of(999, 2));
    await expect(readHour(new FilesSource(root, await newDir(), 187520))).rejects.toMatchObject({
      code: 'source-mixed-projects',
      transient: false,
      message: `The file mixed.json in the source folder ${root} holds events of several Amplitude projects (999, 187520)`,
    });

    // Nine other projects, then this one: past what the index lists, so refused as mixed too.
    const many = await newDir();
    await writeFile(
      join(many, 'many.json'),
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((app) => of(app, app)).join('') + of(187520, 10),
    );
    await expect(readHour(new FilesSource(many, await newDir(), 187520))).rejects.toMatchObject({
      code: 'source-mixed-projects',
    });

    const other = await newDir();
    await writeFile(join(other, 'a.json'), of(999, 1));
    await writeFile(join(other, 'b.json'), of(777, 1));
    await expect(readHour(new FilesSource(other, await newDir(), 187520))).rejects.toMatchObject({
      code: 'wrong-project',
      message: `The source folder ${other} holds events of Amplitude projects 777, 999, none of project 187520`,
      fix: expect.stringContaining("Choose the folder of project 187520's events"),
    });
  });
});

describe('a file that starts with a UTF-8 byte-order mark (Notepad, PowerShell)', () => {
  it('is read from its first event, gzipped or not, streamed or read into a buffer', async () => {
    // The mark was read as part of the first line: its event a bad line, dropped from the hour.
    const root = await newDir();
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const plain = Buffer.from(ndjson([event(HOUR, 1), event(HOUR, 2)]));
    const zipped = Buffer.from(ndjson([event(HOUR, 3)]));
    await writeFile(join(root, 'a.json'), Buffer.concat([bom, plain]));
    await writeFile(join(root, 'b.json.gz'), zlib.gzipSync(Buffer.concat([bom, zipped])));
    await writeFile(join(root, 'c.json'), bom); // the mark alone: an empty file
    const hour = await new FilesSource(root, await newDir(), 187520).open(HOUR, signal);
    const streamed: Record<string, Buffer> = {};
    let readInto: Buffer | null = null;
    for await (const stream of hour.events()) {
      const parts: Buffer[] = [];
      for await (const chunk of stream.chunks) parts.push(Buffer.from(chunk));
      streamed[stream.name] = Buffer.concat(parts);
      if (stream.readInto) {
        const target = Buffer.alloc(plain.length + 10);
        let filled = 0;
        for (let n = 1; n > 0; filled += n)
          n = await stream.readInto(target, filled, Math.min(7, target.length - filled));
        readInto = target.subarray(0, filled);
        await stream.close?.();
      }
    }
    expect(streamed).toEqual({ 'a.json': plain, 'b.json.gz': zipped });
    expect(readInto).toEqual(plain);
  });
});

describe('the files-source index', () => {
  it('is rebuilt, not trusted, when what it says about a file is not an index', async () => {
    const root = await newDir();
    const cache = await newDir();
    await writeFile(join(root, 'day.json.gz'), gz());
    expect(await readHour(new FilesSource(root, cache, 187520))).toBeGreaterThan(0);
    // The saved index, edited so the file (same size and time) holds no hour at all, in a
    // shape that is not an index: the hour must still be read whole.
    const [name] = (await readdir(cache)).filter((f) => f.startsWith('files-index-'));
    const path = join(cache, name!);
    const saved = JSON.parse(await readFile(path, 'utf8'));
    saved.files['day.json.gz'].hours = 'none';
    await writeFile(path, JSON.stringify(saved));
    expect(await readHour(new FilesSource(root, cache, 187520))).toBeGreaterThan(0);
  });

  // The count sizes the hour's de-duplication memory once (pipeline/dedupe.ts).
  it("counts each hour's lines, and says none for entries indexed before it counted", async () => {
    const root = await newDir();
    const cache = await newDir();
    const other = '2020-01-25T06';
    await writeFile(
      join(root, 'a.ndjson'),
      ndjson([event(HOUR, 1), event(other, 2), event(HOUR, 3)]),
    );
    await writeFile(join(root, 'b.json.gz'), gz()); // 200 lines of HOUR
    await writeFile(join(root, 'c.ndjson'), ndjson([event(other, 4)]));
    const source = new FilesSource(root, cache, 187520);
    expect((await source.open(HOUR, signal)).expectedLines).toBe(202);
    expect((await source.open(other, signal)).expectedLines).toBe(2);
    expect((await source.open('2020-01-25T07', signal)).expectedLines).toBe(0);
    // An index saved before lines were counted: the hint is absent, not a wrong number.
    const [name] = (await readdir(cache)).filter((f) => f.startsWith('files-index-'));
    const path = join(cache, name!);
    const saved = JSON.parse(await readFile(path, 'utf8'));
    delete saved.files['a.ndjson'].lines;
    await writeFile(path, JSON.stringify(saved));
    const before = new FilesSource(root, cache, 187520);
    expect((await before.open(HOUR, signal)).expectedLines).toBeUndefined();
    expect((await before.open(other, signal)).expectedLines).toBeUndefined();
  });
});
