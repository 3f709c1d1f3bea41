import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { Row } from './index-row';

/**
 * `jobs/index.bin`: the job index on disk, so a start reads one compact file instead of parsing
 * every month. After a 16-byte header, frames `length u32 | crc32 u32 | records`: one frame per
 * append (a job's record and its month's stamp land together or not at all), frames of ~1 MB when
 * the file is written whole. Each record is `length u32 | type u8 | body`:
 *
 * - a connection name (`C`): its code in this file and the id;
 * - a job's index fields and where its full record is (`J`), written after its journal line,
 *   latest wins;
 * - a month's stamp (`S`): the sizes and times of its files when the records before it were
 *   true of them.
 *
 * The months stay the store of record: at a start, a month whose files do not match its last
 * stamp (a kill between the journal and this file, a torn frame, a file edited by hand) is read
 * again and its rows replaced. A file that is missing or whose header is wrong is rebuilt from
 * the months; a frame that fails its checksum ends the file there (the rest is dropped).
 */
const MAGIC = Buffer.from('FERRYIX3');
const HEADER = 16;
const JOB = 0x4a; // J
const STAMP = 0x53; // S
const CONNECTION = 0x43; // C
const READ_SLICE = 8 * 1024 * 1024;
/** Bytes of records a whole-file write puts in one frame. */
const FRAME_BYTES = 1024 * 1024;

/** A month's files as last seen: sizes (and the snapshot's time), -1 where a file is missing. */
export interface MonthStamp {
  json: number;
  jsonTime: number;
  rotated: number;
  log: number;
}

export function sameStamp(a: MonthStamp | undefined, b: MonthStamp | undefined): boolean {
  return (
    !!a &&
    !!b &&
    a.json === b.json &&
    a.jsonTime === b.jsonTime &&
    a.rotated === b.rotated &&
    a.log === b.log
  );
}

/** Stat a month's three files. */
export async function stampOf(dir: string, month: string): Promise<MonthStamp> {
  const at = (name: string) => stat(`${dir}/${name}`).catch(() => null);
  const [json, rotated, log] = await Promise.all([
    at(`${month}.json`),
    at(`${month}.log.1`),
    at(`${month}.log`),
  ]);
  return {
    json: json?.size ?? -1,
    // Whole milliseconds: what every file system and copy tool keeps.
    jsonTime: json ? Math.trunc(json.mtimeMs) : -1,
    rotated: rotated?.size ?? -1,
    log: log?.size ?? -1,
  };
}

export interface LoadedIndex {
  /** null when the file is missing or is not an index (its header is wrong). */
  state: 'ok' | 'missing' | 'damaged';
  /** Records read, latest last (a job may come more than once). */
  records: number;
  stamps: Map<string, MonthStamp>;
  /** Bytes of whole, checked records (the file is cut there before anything is appended). */
  goodLength: number;
}

/**
 * Read an index file, handing each job row to `onRow` in file order (the same object each
 * time, refilled: copy what you keep).
 */
export async function loadIndex(
  path: string,
  onRow: (row: Row) => void,
  /** Bytes read at a time (tests make it small to cross many slice ends). */
  slice = READ_SLICE,
): Promise<LoadedIndex> {
  const stamps = new Map<string, MonthStamp>();
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { state: 'missing', records: 0, stamps, goodLength: 0 };
    return { state: 'damaged', records: 0, stamps, goodLength: 0 };
  }
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(HEADER);
    await handle.read(head, 0, HEADER, 0);
    if (size < HEADER || !head.subarray(0, MAGIC.length).equals(MAGIC)) {
      // Another version's index is not damaged: it is built again, quietly, in this one's form.
      const older = head.subarray(0, MAGIC.length - 1).equals(MAGIC.subarray(0, -1));
      return {
        state: older ? 'missing' : 'damaged',
        records: 0,
        stamps,
        goodLength: 0,
      };
    }
    const connections: string[] = [];
    const row: Row = {
      id: '',
      connection: '',
      dataset: 0,
      hour: 0,
      status: 0,
      trigger: 0,
      cancelledBy: 0,
      errorKind: 0,
      created: 0,
      updated: 0,
      finished: 0,
      events: 0,
      bytes: 0,
      where: 0,
      offset: 0,
      length: 0,
    };
    // Read in slices into one buffer (not the whole file at once: at a million jobs it is
    // ~100 MB), the unread end of one slice moved to the front before the next.
    let space = Buffer.allocUnsafe(2 * slice);
    let data = space.subarray(0, 0);
    let base = HEADER; // file position of data[0]
    let at = 0; // position in data
    let records = 0;
    for (;;) {
      if (data.length - at < 8 || data.length - at < 8 + data.readUInt32LE(at)) {
        if (base + data.length >= size) break;
        const rest = data.length - at;
        const need = data.length - at >= 8 ? 8 + data.readUInt32LE(at) : 8;
        if (base + at + need > size) break; // a frame cut short (or a length field damaged)
        if (need > space.length) {
          const bigger = Buffer.allocUnsafe(need + slice);
          data.copy(bigger, 0, at);
          space = bigger;
        } else data.copy(space, 0, at);
        const room = Math.min(space.length - rest, size - base - data.length);
        const { bytesRead } = await handle.read(space, rest, room, base + data.length);
        base += at;
        data = space.subarray(0, rest + bytesRead);
        at = 0;
        if (bytesRead === 0) break;
        continue;
      }
      const length = data.readUInt32LE(at);
      const end = at + 8 + length;
      if (length === 0) break;
      const frame = data.subarray(at + 8, end);
      if (crc32(frame) !== data.readUInt32LE(at + 4)) break;
      const read = readFrame(frame, connections, row, stamps, onRow);
      if (read < 0) break;
      records += read;
      at = end;
    }
    return { state: 'ok', records, stamps, goodLength: base + at };
  } finally {
    await handle.close();
  }
}

/** The records of one checked frame; how many, or -1 when one is not understood. */
function readFrame(
  frame: Buffer,
  connections: string[],
  row: Row,
  stamps: Map<string, MonthStamp>,
  onRow: (row: Row) => void,
): number {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let records = 0;
  for (let at = 0; at < frame.length;) {
    if (at + 5 > frame.length) return -1;
    const length = view.getUint32(at, true);
    const start = at + 4;
    const end = start + length;
    if (length === 0 || end > frame.length) return -1;
    const type = frame[start];
    if (type === JOB) {
      if (!decodeJob(frame, view, start, connections, row)) return -1;
      onRow(row);
    } else if (type === STAMP) {
      const month = frame.toString('latin1', start + 1, start + 8);
      stamps.set(month, {
        json: view.getFloat64(start + 8, true),
        jsonTime: view.getFloat64(start + 16, true),
        rotated: view.getFloat64(start + 24, true),
        log: view.getFloat64(start + 32, true),
      });
    } else if (type === CONNECTION) {
      connections[view.getUint16(start + 1, true)] = frame.toString('utf8', start + 3, end);
    } else return -1;
    records++;
    at = end;
  }
  return records;
}

/** Decode the job record at `start` into `row` (one object reused for every record). */
function decodeJob(
  p: Buffer,
  v: DataView,
  start: number,
  connections: string[],
  row: Row,
): boolean {
  const idLength = v.getUint16(start + 1, true);
  let o = start + 3 + idLength;
  const connection = connections[v.getUint16(o, true)];
  if (connection === undefined) return false;
  o += 2;
  row.id = p.toString('utf8', start + 3, start + 3 + idLength);
  row.connection = connection;
  row.dataset = p[o]!;
  row.status = p[o + 1]!;
  row.trigger = p[o + 2]!;
  row.cancelledBy = p[o + 3]!;
  row.errorKind = p[o + 4]!;
  row.hour = v.getInt32(o + 5, true);
  row.created = v.getFloat64(o + 9, true);
  row.updated = v.getFloat64(o + 17, true);
  row.finished = v.getFloat64(o + 25, true);
  row.events = v.getFloat64(o + 33, true);
  row.bytes = v.getFloat64(o + 41, true);
  row.where = p[o + 49]!;
  row.offset = v.getFloat64(o + 50, true);
  row.length = v.getUint32(o + 58, true);
  return true;
}

/** Encodes records, naming each connection once per file. */
export class IndexEncoder {
  private readonly codes = new Map<string, number>();

  job(row: Row): Buffer[] {
    const out: Buffer[] = [];
    let code = this.codes.get(row.connection);
    if (code === undefined) {
      code = this.codes.size;
      this.codes.set(row.connection, code);
      const name = Buffer.from(row.connection, 'utf8');
      const p = Buffer.allocUnsafe(3 + name.length);
      p[0] = CONNECTION;
      p.writeUInt16LE(code, 1);
      name.copy(p, 3);
      out.push(record(p));
    }
    const id = Buffer.from(row.id, 'utf8');
    const p = Buffer.allocUnsafe(3 + id.length + 2 + 5 + 4 + 40 + 13);
    p[0] = JOB;
    p.writeUInt16LE(id.length, 1);
    id.copy(p, 3);
    let o = 3 + id.length;
    p.writeUInt16LE(code, o);
    o += 2;
    p[o] = row.dataset;
    p[o + 1] = row.status;
    p[o + 2] = row.trigger;
    p[o + 3] = row.cancelledBy;
    p[o + 4] = row.errorKind;
    p.writeInt32LE(row.hour, o + 5);
    p.writeDoubleLE(row.created, o + 9);
    p.writeDoubleLE(row.updated, o + 17);
    p.writeDoubleLE(row.finished, o + 25);
    p.writeDoubleLE(row.events, o + 33);
    p.writeDoubleLE(row.bytes, o + 41);
    p[o + 49] = row.where;
    p.writeDoubleLE(row.offset, o + 50);
    p.writeUInt32LE(row.length, o + 58);
    out.push(record(p));
    return out;
  }

  stamp(month: string, s: MonthStamp): Buffer {
    const p = Buffer.alloc(40);
    p[0] = STAMP;
    p.write(month, 1, 7, 'latin1');
    p.writeDoubleLE(s.json, 8);
    p.writeDoubleLE(s.jsonTime, 16);
    p.writeDoubleLE(s.rotated, 24);
    p.writeDoubleLE(s.log, 32);
    return record(p);
  }
}

function record(body: Buffer): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Records → one checked frame. */
function frame(records: readonly Buffer[]): Buffer {
  const payload = Buffer.concat(records);
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

function header(): Buffer {
  const h = Buffer.alloc(HEADER);
  MAGIC.copy(h);
  h.writeUInt32LE(1, 8);
  return h;
}

/**
 * The open index file: appends in order, one at a time, and whole rewrites (temp file, fsync,
 * rename) when it has grown well past the jobs it describes.
 */
export class IndexWriter {
  private handle: FileHandle | null = null;
  private chain: Promise<void> = Promise.resolve();
  private encoder = new IndexEncoder();
  /** Records in the file (a rewrite starts it again at the number of jobs). */
  records = 0;
  /** Set when an append failed: the stamps on disk no longer say it all, so the next start checks. */
  failed: Error | null = null;

  constructor(private readonly path: string) {}

  /** Continue a file that loaded well, cut after its last good record. */
  async resume(goodLength: number, records: number): Promise<void> {
    this.handle = await open(this.path, 'r+');
    await this.handle.truncate(goodLength);
    await this.handle.close();
    this.handle = await open(this.path, 'a', 0o600);
    this.records = records;
  }

  /**
   * Queue jobs' rows and their month's stamp (after their journal lines are written); rows
   * without a stamp only add what was learnt (where records are), never a claim about the files.
   */
  append(rows: readonly Row[], month: string, stamp: MonthStamp | null): Promise<void> {
    return this.run(async () => {
      if (!this.handle) return;
      // Encoded here, not when queued: a rewrite before it starts the connection names afresh.
      const parts = rows.flatMap((row) => this.encoder.job(row));
      if (stamp) parts.push(this.encoder.stamp(month, stamp));
      if (parts.length === 0) return;
      await this.handle.write(frame(parts));
      this.records += parts.length;
    });
  }

  /**
   * Write the whole index anew: `stamps` must be taken before `rows` is read, so that a change
   * made while it is written leaves a stamp that no longer matches (and the month is read again
   * at the next start if the change's own record never lands).
   */
  rewrite(
    rows: () => Iterable<Row>,
    stamps: Map<string, MonthStamp>,
    yieldEvery = 5_000,
  ): Promise<void> {
    const taken = new Map(stamps);
    return this.run(async () => {
      const temp = `${this.path}.tmp`;
      const out = await open(temp, 'w', 0o600);
      const encoder = new IndexEncoder();
      let records = 0;
      try {
        await out.write(header());
        let pending: Buffer[] = [];
        let bytes = 0;
        let n = 0;
        const flush = async () => {
          if (pending.length > 0) await out.write(frame(pending));
          pending = [];
          bytes = 0;
        };
        for (const row of rows()) {
          for (const part of encoder.job(row)) {
            pending.push(part);
            bytes += part.length;
          }
          records++;
          if (bytes >= FRAME_BYTES) await flush();
          // Give the event loop a turn now and then: this runs while Ferry serves.
          if (++n % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        for (const [month, s] of taken) pending.push(encoder.stamp(month, s));
        records += taken.size;
        await flush();
        await out.sync();
      } finally {
        await out.close();
      }
      await this.handle?.close();
      this.handle = null;
      await rename(temp, this.path);
      this.encoder = encoder;
      this.records = records;
      this.handle = await open(this.path, 'a', 0o600);
    });
  }

  /** Wait for every queued write, then close the file. */
  async close(): Promise<void> {
    await this.run(async () => {
      await this.handle?.close();
      this.handle = null;
    });
  }

  private run(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step).catch((error: unknown) => {
      this.failed ??= error as Error;
    });
    this.chain = next;
    return next;
  }
}
