import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { hourIndex, hourOfTimestamp, type MergedId } from '../../../shared/model/export-format';
import { EventScanner, VALUE } from '../format/scan';
import { writeFileAtomic } from '../store/atomic';
import { lineBlocks } from './lines';
import {
  gunzipped,
  namedFailures,
  SourceError,
  type EventSource,
  type NamedStream,
  type SourceHour,
} from './types';

const EXTENSIONS = ['.json', '.ndjson', '.jsonl', '.json.gz', '.ndjson.gz', '.jsonl.gz'];
/** Any case (`EVENTS.JSON` from a Windows tool): a file skipped for its case was lost silently. */
const hasExtension = (name: string) => EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));
const isGzipName = (name: string) => name.toLowerCase().endsWith('.gz');
const MERGED_DIR = 'merged_ids';
/** 2: a file's UTF-8 byte-order mark is skipped (its first line was unplaced before). */
const INDEX_VERSION = 2;

const indexedFile = z.object({
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  /** Hour indexes this file has lines for. */
  hours: z.array(z.number().int()),
  /** Lines without a readable hour: reported once, with the first hour the file holds. */
  unplaced: z.number().int().nonnegative(),
  /** The first such line and why ("line 1: not valid JSON"), for a file with no hour at all. */
  sample: z.string().optional(),
});
type IndexedFile = z.infer<typeof indexedFile>;

/**
 * The saved index, parsed — never cast: an index that lies about the hours a file holds would
 * have an hour read from too few files, and exported short.
 */
const folderIndex = z.object({
  version: z.literal(INDEX_VERSION),
  root: z.string(),
  files: z.record(z.string(), indexedFile),
});
type FolderIndex = z.infer<typeof folderIndex>;

/**
 * A folder of NDJSON files (`.json`, `.ndjson`, `.jsonl`, optionally gzipped), searched
 * recursively — for example an earlier Amplitude export.
 *
 * Lines belong to the hour of their `server_upload_time`. An index in Ferry's cache folder
 * records which hours each file holds (keyed by size and modification time), so exporting an
 * hour reads only the files that have it; a changed or new file is indexed again on the next
 * export. Merged Amplitude IDs are read from a `merged_ids/` sub-folder when there is one.
 */
export class FilesSource implements EventSource {
  readonly kind = 'files';
  readonly settleDelayMs = 0;
  readonly mixedHours = true;
  private readonly indexPath: string;
  private refreshing: Promise<FolderIndex> | null = null;

  constructor(
    private readonly root: string,
    cacheDir: string,
  ) {
    const id = createHash('sha1').update(root).digest('hex').slice(0, 16);
    this.indexPath = join(cacheDir, `files-index-${id}.json`);
  }

  async open(hour: string, signal: AbortSignal): Promise<SourceHour> {
    signal.throwIfAborted();
    const index = await this.index();
    signal.throwIfAborted();
    if (Object.keys(index.files).length === 0) throw emptyFolder(this.root);
    const notEvents = Object.entries(index.files).find(
      ([, file]) => file.hours.length === 0 && file.unplaced > 0,
    );
    if (notEvents) throw noEventsIn(this.root, ...notEvents);
    return {
      events: () => this.streams(index, hour, signal),
      mergedIds: () => this.mergedIds(index, hour, signal),
      close: async () => undefined,
    };
  }

  /**
   * The files holding lines of the hour, in byte order of their names. A file's lines without a
   * readable hour belong to no hour: they are reported once, with the first hour the file holds.
   */
  private async *streams(
    index: FolderIndex,
    hour: string,
    signal: AbortSignal,
  ): AsyncGenerator<NamedStream> {
    const wanted = hourIndex(hour);
    for (const name of Object.keys(index.files).sort(byteOrder)) {
      signal.throwIfAborted();
      if (name.startsWith(`${MERGED_DIR}/`)) continue;
      const entry = index.files[name]!;
      if (!entry.hours.includes(wanted)) continue;
      yield { ...this.openFile(name), reportHourless: entry.hours[0] === wanted };
    }
  }

  private async mergedIds(
    index: FolderIndex,
    hour: string,
    signal: AbortSignal,
  ): Promise<MergedId[] | null> {
    const wanted = hourIndex(hour);
    const names = Object.keys(index.files).filter((n) => n.startsWith(`${MERGED_DIR}/`));
    if (names.length === 0) return null;
    const merges: MergedId[] = [];
    for (const name of names.sort(byteOrder)) {
      if (!index.files[name]!.hours.includes(wanted)) continue;
      for await (const block of lineBlocks(this.openFile(name).chunks)) {
        signal.throwIfAborted();
        const text = Buffer.from(block.buf.buffer, block.buf.byteOffset, block.buf.byteLength);
        for (let k = 0; k < block.starts.length; k++) {
          const line = text.toString('utf8', block.starts[k], block.ends[k]).trim();
          if (!line) continue;
          let merge: MergedId;
          try {
            merge = JSON.parse(line) as MergedId;
          } catch {
            continue; // counted by the index as unplaced; reported with the merged-ID job
          }
          if (hourOfTimestamp(merge.merge_server_time) === wanted) merges.push(merge);
        }
      }
    }
    return merges;
  }

  /** Bring the index up to date with the folder (new, changed and removed files). */
  private index(): Promise<FolderIndex> {
    const run = async () => this.refresh();
    const next = (this.refreshing ?? Promise.resolve(null)).then(run, run);
    this.refreshing = next;
    return next;
  }

  private async refresh(): Promise<FolderIndex> {
    const info = await stat(this.root).catch(() => null);
    if (!info?.isDirectory())
      throw new SourceError(
        `The source folder ${this.root} does not exist or is not a folder`,
        'Check the folder in the project settings, or restore it.',
      );
    let index: FolderIndex = { version: INDEX_VERSION, root: this.root, files: {} };
    try {
      const saved = folderIndex.safeParse(JSON.parse(await readFile(this.indexPath, 'utf8')));
      if (saved.success && saved.data.root === this.root) index = saved.data;
    } catch {
      // No index yet (or unreadable): build it.
    }
    const present = await listFiles(this.root);
    let changed = false;
    const files: Record<string, IndexedFile> = {};
    for (const [name, file] of present) {
      const old = index.files[name];
      if (old && old.size === file.size && old.mtimeMs === file.mtimeMs) {
        files[name] = old;
        continue;
      }
      const path = join(this.root, name);
      files[name] = {
        ...file,
        ...(await indexHours(path, name.startsWith(`${MERGED_DIR}/`)).catch((error: unknown) => {
          throw damagedFile(this.root, name, error);
        })),
      };
      changed = true;
    }
    if (Object.keys(index.files).some((name) => !present.has(name))) changed = true;
    index = { version: INDEX_VERSION, root: this.root, files };
    if (changed) {
      await mkdir(join(this.indexPath, '..'), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.indexPath, JSON.stringify(index));
    }
    return index;
  }

  private openFile(name: string): NamedStream {
    const path = join(this.root, name);
    const described = (error: unknown) => damagedFile(this.root, name, error);
    // Opened when first read: the export reads a plain file by readInto, and a stream opened
    // and never read would fail (the file gone) with no one to hear it, ending the process.
    const chunks = (async function* () {
      yield* namedFailures(fileChunks(path), described);
    })();
    if (isGzipName(name)) return { name, chunks };
    let handle: Awaited<ReturnType<typeof open>> | null = null;
    let position = -1;
    return {
      name,
      chunks,
      async readInto(target, offset, length) {
        try {
          handle ??= await open(path, 'r');
          if (position < 0) position = (await startsWithBom(handle)) ? BOM.length : 0;
          const { bytesRead } = await handle.read(target, offset, length, position);
          position += bytesRead;
          return bytesRead;
        } catch (error) {
          throw described(error);
        }
      },
      async close() {
        await handle?.close();
        handle = null;
        position = -1;
      },
    };
  }
}

/** A file's bytes, gunzipped where its name ends in `.gz`, without a byte-order mark. */
function fileChunks(path: string): AsyncIterable<Uint8Array> {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  return withoutBom(isGzipName(path) ? gunzipped(file) : file);
}

/**
 * The UTF-8 byte-order mark some Windows tools put first in a text file (Notepad, Windows
 * PowerShell's `Out-File -Encoding utf8`). JSON has none: read as part of the first line, it made
 * the file's first event a bad line, dropped from its hour.
 */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function* withoutBom(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let head: Buffer | null = Buffer.alloc(0);
  for await (const chunk of chunks) {
    if (!head) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < BOM.length) continue;
    yield head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
    head = null;
  }
  if (head?.length) yield head; // a file shorter than the mark
}

async function startsWithBom(handle: Awaited<ReturnType<typeof open>>): Promise<boolean> {
  const first = Buffer.alloc(BOM.length);
  const { bytesRead } = await handle.read(first, 0, BOM.length, 0);
  return bytesRead === BOM.length && first.equals(BOM);
}

/**
 * Files of an Amplitude (or Ferry) export beside its events that are not events: its merged-ID
 * files (`-<orgId>_<yyyy-MM-dd>_<H>.json.gz`; merged IDs are read from `merged_ids/`) and the
 * manifests Ferry writes in `_manifests/`.
 */
const NOT_EVENTS = /^-\d+_\d{4}-\d{2}-\d{2}_\d{1,2}\.json\.gz$/;
const MANIFESTS_DIR = '_manifests';

/**
 * Every data file under `root` (relative paths with "/"), skipping hidden files and folders and
 * an export's files that are not events.
 */
async function listFiles(root: string): Promise<Map<string, { size: number; mtimeMs: number }>> {
  const out = new Map<string, { size: number; mtimeMs: number }>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      throw unreadable(root, dir, error);
    });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== MANIFESTS_DIR) await walk(path);
      } else if (entry.isFile() && hasExtension(entry.name) && !NOT_EVENTS.test(entry.name)) {
        const info = await stat(path).catch((error: unknown) => {
          throw unreadable(root, path, error);
        });
        out.set(relative(root, path).split(sep).join('/'), {
          size: info.size,
          mtimeMs: info.mtimeMs,
        });
      }
    }
  };
  await walk(root);
  return out;
}

/** Read a file once to learn which hours it holds. */
async function indexHours(
  path: string,
  merged: boolean,
): Promise<{ hours: number[]; unplaced: number; sample?: string }> {
  const hours = new Set<number>();
  let unplaced = 0;
  let sample: string | undefined;
  let line = 0;
  const scanner = new EventScanner();
  for await (const block of lineBlocks(fileChunks(path))) {
    const buf = Buffer.from(block.buf.buffer, block.buf.byteOffset, block.buf.byteLength);
    for (let k = 0; k < block.starts.length; k++) {
      const start = block.starts[k]!;
      const end = block.ends[k]!;
      line++;
      if (buf.subarray(start, end).toString('latin1').trim() === '') continue;
      let hour: number | null = null;
      if (merged) {
        try {
          hour = hourOfTimestamp(
            (JSON.parse(buf.toString('utf8', start, end)) as MergedId).merge_server_time,
          );
        } catch {
          hour = null;
        }
      } else if (scanner.scan(buf, start, end) && !scanner.keyEscaped) {
        const from = scanner.valueStart[VALUE.serverUploadTime]!;
        if (from >= 0) {
          const raw = buf.toString('utf8', from, scanner.valueEnd[VALUE.serverUploadTime]);
          hour = hourOfTimestamp(raw.startsWith('"') ? (JSON.parse(raw) as string) : Number(raw));
        }
      } else {
        try {
          hour = hourOfTimestamp(
            (JSON.parse(buf.toString('utf8', start, end)) as Record<string, unknown>)
              .server_upload_time,
          );
        } catch {
          hour = null;
        }
      }
      if (hour !== null) hours.add(hour);
      else if (unplaced++ === 0)
        sample =
          (line === 1 && start === 0 && notText(buf)) ||
          `line ${line}: ${whyNoHour(buf.toString('utf8', start, end), merged)}`;
    }
  }
  return { hours: [...hours].sort((a, b) => a - b), unplaced, ...(sample && { sample }) };
}

/**
 * What a file that starts with these bytes is, when it is not UTF-8 text: said instead of "line 1:
 * not valid JSON", which is true and no help when the text looks like JSON in an editor.
 */
function notText(buf: Buffer): string | null {
  const [a, b] = [buf[0], buf[1]];
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff))
    return 'the file is UTF-16 text (as Windows PowerShell writes it); Ferry reads UTF-8';
  if (a === 0x1f && b === 0x8b) return 'the file is gzip-compressed: give it a name ending in .gz';
  return null;
}

/** Why a line holds no hour Ferry can read. */
function whyNoHour(text: string, merged: boolean): string {
  const field = merged ? 'merge_server_time' : 'server_upload_time';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'not a JSON object';
  return field in value ? `its ${field} is not a time` : `no ${field}`;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A source folder with no data file at all proves no hour empty: it is a disk or share not
 * mounted (its mount point is an empty folder), or files not there yet — exporting its hours
 * as "done, no events" would never export them once the files are back.
 */
function emptyFolder(root: string): SourceError {
  return new SourceError(
    `The source folder ${root} holds no event files at all (.json, .ndjson or .jsonl, gzipped or not)`,
    'If it is on a disk or a network share, mount it; if its files are still to come, export once they are there. An hour is exported as empty only when the folder holds files, none of them of that hour.',
    { code: 'source-empty' },
  );
}

/**
 * A file none of whose lines is an event Ferry can place in an hour (a CSV or a JSON array named
 * `.json`, another tool's export): its events would be in no hour — each exported as "done" with
 * them missing. Every hour waits on it, as on a damaged file: any hour may be in it.
 */
function noEventsIn(root: string, name: string, file: IndexedFile): SourceError {
  const lines = file.unplaced === 1 ? '1 line' : `${file.unplaced} lines`;
  const field = name.startsWith(`${MERGED_DIR}/`) ? 'merge_server_time' : 'server_upload_time';
  return new SourceError(
    `The file ${name} in the source folder ${root} holds no event Ferry can read: none of its ${lines} is a JSON object with a ${field} Ferry reads${file.sample ? ` (${file.sample})` : ''}`,
    `Ferry reads NDJSON — one JSON object per line, each with its ${field}, as Amplitude exports them. Convert ${join(root, name)} to that, or move it out of the folder; no hour of this project is exported until then (any of them may be in that file).`,
    { code: 'source-not-events' },
  );
}

/**
 * A folder or file of the source that Ferry may not read: the source's problem, named — an
 * errno passed on would read as the destination refusing a write, with a fix to match.
 * Permanent (a retry reads the same permissions), and every hour waits on it: the folder's
 * index covers all of it, and an unread file may hold any hour.
 */
function unreadable(root: string, path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EACCES' && code !== 'EPERM') return error as Error;
  return new SourceError(
    `Ferry may not read ${path} in the source folder ${root} (permission denied)`,
    `Let the account Ferry runs as read it, or keep the event files in a folder without it (a disk's lost+found, say); no hour of this project is exported until then.`,
    { code: 'source-unreadable' },
  );
}

/**
 * A file of the folder that can not be read as what its name says (a `.gz` cut short or
 * corrupt): a permanent source problem, named, with its fix — retrying would read the same bytes.
 * A refused permission is `unreadable`; other errors (the disk) are passed on as they are.
 */
function damagedFile(root: string, name: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOENT')
    return new SourceError(
      `The file ${name} in the source folder ${root} went away while Ferry read it`,
      'If it was moved or renamed on purpose, nothing is needed: the next try reads the folder as it is then.',
      { code: 'source-missing', transient: true },
    );
  if (code === 'EACCES' || code === 'EPERM') return unreadable(root, join(root, name), error);
  // Said of "line 1" alone, the admin could not tell which of the folder's files it is.
  if (error instanceof SourceError && code === 'line-too-long')
    return new SourceError(
      `The file ${name} in the source folder ${root} is not NDJSON: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`,
      `Ferry reads one JSON object per line. Convert ${join(root, name)} to that, or move it out of the folder; the hours it holds are exported once it is.`,
      { code },
    );
  if (!code.startsWith('Z_')) return error as Error;
  const what =
    code === 'Z_BUF_ERROR'
      ? 'its gzip data ends early — a partial copy?'
      : `its gzip data is corrupt (${(error as Error).message})`;
  return new SourceError(
    `The file ${name} in the source folder ${root} is damaged: ${what}`,
    `Replace ${join(root, name)} with a good copy, or move it out of the folder; the hours it holds are exported again once it is.`,
    { code: 'source-damaged' },
  );
}
