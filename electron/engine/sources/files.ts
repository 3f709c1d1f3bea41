import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { hourIndex, hourOfTimestamp, type MergedId } from '../../../shared/model/export-format';
import { EventScanner, VALUE } from '../format/scan';
import { writeFileAtomic } from '../store/atomic';
import {
  damagedFile,
  beingWritten,
  notText,
  whyNoHour,
  emptyFolder,
  mixedProjects,
  noEventsIn,
  onlyOtherProjects,
  unreadable,
} from './files-errors';
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
/**
 * 2: a file's UTF-8 byte-order mark is skipped (its first line was unplaced before).
 * 3: the projects a file's events name (`apps`).
 */
const INDEX_VERSION = 3;
/**
 * A file changed less than this long ago whose last line is not finished (or whose gzip data
 * ends early) is taken as still being written — a copy coming in — and its hours wait for it.
 */
const BEING_WRITTEN_MS = 60_000;
/** How many distinct projects a file's index entry lists (one is the rule; more is a mix). */
const MAX_APPS = 8;

const indexedFile = z.object({
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  /** Hour indexes this file has lines for. */
  hours: z.array(z.number().int()),
  /** Lines of each hour in `hours`, in its order (absent from entries indexed before). */
  lines: z.array(z.number().int().nonnegative()).optional(),
  /** Lines without a readable hour: reported once, with the first hour the file holds. */
  unplaced: z.number().int().nonnegative(),
  /** The first such line and why ("line 1: not valid JSON"), for a file with no hour at all. */
  sample: z.string().optional(),
  /** The Amplitude projects its events name as `app` (none when they do not say). */
  apps: z.array(z.number().int()),
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
    /** The project exported: files whose events name another project are not its events. */
    private readonly projectId: number,
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
    if (notEvents) {
      const [name, file] = notEvents;
      throw noEventsIn(this.root, name, file, name.startsWith(`${MERGED_DIR}/`));
    }
    const theirs = this.otherProjects(index);
    return {
      expectedLines: expectedLines(index, hourIndex(hour), theirs),
      events: () => this.streams(index, hour, signal, theirs),
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
    theirs: ReadonlySet<string>,
  ): AsyncGenerator<NamedStream> {
    const wanted = hourIndex(hour);
    for (const [name, entry] of eventFilesOf(index, wanted, theirs)) {
      signal.throwIfAborted();
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

  /**
   * The files whose events all name another Amplitude project (`app`): a folder holding several
   * projects' exports (a synced export bucket) is read for this project's events only, never
   * mixed. A file naming this project and another is refused (no line-by-line sorting), and so is
   * a folder whose every event names other projects: its keys or folder are another project's,
   * and its hours would otherwise be exported as empty, done.
   */
  private otherProjects(index: FolderIndex): Set<string> {
    const theirs = new Set<string>();
    let ours = false;
    for (const [name, file] of Object.entries(index.files)) {
      if (name.startsWith(`${MERGED_DIR}/`)) continue;
      const others = file.apps.filter((app) => app !== this.projectId);
      // As many projects as the index lists: whether this one is among the rest is unknown.
      if (file.apps.length >= MAX_APPS) throw mixedProjects(this.root, name, file.apps);
      if (others.length === 0) ours = true;
      else if (others.length < file.apps.length) throw mixedProjects(this.root, name, file.apps);
      else theirs.add(name);
    }
    if (!ours && theirs.size > 0) {
      const apps = new Set([...theirs].flatMap((name) => index.files[name]!.apps));
      throw onlyOtherProjects(
        this.root,
        [...apps].sort((a, b) => a - b),
        this.projectId,
      );
    }
    return theirs;
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
      const age = Date.now() - file.mtimeMs;
      const recent = Math.abs(age) < BEING_WRITTEN_MS;
      files[name] = {
        ...file,
        ...(await indexHours(path, name.startsWith(`${MERGED_DIR}/`)).catch((error: unknown) => {
          // Cut short and changed a moment ago: a copy still coming in, not a damaged file.
          if (recent && (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
            throw beingWritten(this.root, name, age);
          throw damagedFile(this.root, name, error);
        })),
      };
      // (A file with no event in it at all is not events, whatever its last byte: said as that.)
      const placed = files[name]!.hours.length > 0;
      if (recent && placed && !isGzipName(name) && !(await endsWithLineBreak(path, file.size)))
        throw beingWritten(this.root, name, age);
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

/** Whether a file's last byte is a line break (an empty file counts as ended). */
async function endsWithLineBreak(path: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  const handle = await open(path, 'r');
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
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
): Promise<{
  hours: number[];
  lines: number[];
  unplaced: number;
  sample?: string;
  apps: number[];
}> {
  const hours = new Map<number, number>();
  const apps = new Set<number>();
  const noteApp = (app: unknown) => {
    if (typeof app === 'number' && Number.isInteger(app) && apps.size < MAX_APPS) apps.add(app);
  };
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
        const app = scanner.valueStart[VALUE.app]!;
        if (app >= 0) noteApp(JSON.parse(buf.toString('utf8', app, scanner.valueEnd[VALUE.app])));
      } else {
        try {
          const event = JSON.parse(buf.toString('utf8', start, end)) as Record<string, unknown>;
          hour = hourOfTimestamp(event.server_upload_time);
          noteApp(event.app);
        } catch {
          hour = null;
        }
      }
      if (hour !== null) hours.set(hour, (hours.get(hour) ?? 0) + 1);
      else if (unplaced++ === 0)
        sample =
          (line === 1 && start === 0 && notText(buf)) ||
          `line ${line}: ${whyNoHour(buf.toString('utf8', start, end), merged)}`;
    }
  }
  const sorted = [...hours.keys()].sort((a, b) => a - b);
  return {
    hours: sorted,
    lines: sorted.map((h) => hours.get(h)!),
    unplaced,
    ...(sample && { sample }),
    apps: [...apps].sort((a, b) => a - b),
  };
}

/**
 * The project's event files holding lines of hour `wanted`, in byte order of their names: what
 * the hour reads, and what its expected line count sums (the two must agree).
 */
function eventFilesOf(
  index: FolderIndex,
  wanted: number,
  theirs: ReadonlySet<string>,
): [string, IndexedFile][] {
  const ours = ([name, entry]: [string, IndexedFile]) =>
    !name.startsWith(`${MERGED_DIR}/`) && !theirs.has(name) && entry.hours.includes(wanted);
  return Object.entries(index.files)
    .filter(ours)
    .sort(([a], [b]) => byteOrder(a, b));
}

/**
 * Lines of hour `wanted` in the files the hour reads, when the index counted them in every one
 * (entries indexed before counting have none): sizes the de-duplication memory once.
 */
function expectedLines(
  index: FolderIndex,
  wanted: number,
  theirs: ReadonlySet<string>,
): number | undefined {
  let sum = 0;
  for (const [, file] of eventFilesOf(index, wanted, theirs)) {
    const lines = file.lines?.[file.hours.indexOf(wanted)];
    if (lines === undefined) return undefined;
    sum += lines;
  }
  return sum;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
