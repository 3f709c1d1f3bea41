import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { Row } from './job-index';

/**
 * `jobs/index.bin`: the job index on disk, so a start reads one compact file instead of parsing
 * every month. Append-only records, each `length u32 | crc32 u32 | payload`:
 *
 * - a connection name (`C`): its code in this file and the id;
 * - a job's index fields (`J`), written after its journal line, latest wins;
 * - a month's stamp (`S`): the sizes and times of its files when the records before it were
 *   true of them.
 *
 * The months stay the store of record: at a start, a month whose files do not match its last
 * stamp (a kill between the journal and this file, a torn record, a file edited by hand) is read
 * again and its rows replaced. A file that is missing or whose header is wrong is rebuilt from
 * the months; a record that fails its checksum ends the file there (the rest is dropped).
 */
const MAGIC = Buffer.from('FERRYIX2');
const HEADER = 16;
const JOB = 0x4a; // J
const STAMP = 0x53; // S
const CONNECTION = 0x43; // C

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
  /** True when the file went on past the last good record (a torn or damaged tail). */
  torn: boolean;
}

/** Read an index file, handing each job row to `onRow` in file order. */
export async function loadIndex(path: string, onRow: (row: Row) => void): Promise<LoadedIndex> {
  const stamps = new Map<string, MonthStamp>();
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { state: 'missing', records: 0, stamps, goodLength: 0, torn: false };
    return { state: 'damaged', records: 0, stamps, goodLength: 0, torn: false };
  }
  if (data.length < HEADER || !data.subarray(0, MAGIC.length).equals(MAGIC))
    return { state: 'damaged', records: 0, stamps, goodLength: 0, torn: false };
  const connections: string[] = [];
  let at = HEADER;
  let records = 0;
  while (at + 8 <= data.length) {
    const length = data.readUInt32LE(at);
    const end = at + 8 + length;
    if (length === 0 || end > data.length) break;
    const payload = data.subarray(at + 8, end);
    if (crc32(payload) !== data.readUInt32LE(at + 4)) break;
    const type = payload[0];
    if (type === JOB) {
      const row = decodeJob(payload, connections);
      if (!row) break;
      onRow(row);
    } else if (type === STAMP) {
      const month = payload.toString('latin1', 1, 8);
      stamps.set(month, {
        json: payload.readDoubleLE(8),
        jsonTime: payload.readDoubleLE(16),
        rotated: payload.readDoubleLE(24),
        log: payload.readDoubleLE(32),
      });
    } else if (type === CONNECTION) {
      connections[payload.readUInt16LE(1)] = payload.toString('utf8', 3);
    } else break;
    records++;
    at = end;
  }
  return { state: 'ok', records, stamps, goodLength: at, torn: at !== data.length };
}

function decodeJob(p: Buffer, connections: string[]): Row | null {
  const idLength = p.readUInt16LE(1);
  const id = p.toString('utf8', 3, 3 + idLength);
  let o = 3 + idLength;
  const connection = connections[p.readUInt16LE(o)];
  if (connection === undefined) return null;
  o += 2;
  return {
    id,
    connection,
    dataset: p[o]!,
    status: p[o + 1]!,
    trigger: p[o + 2]!,
    cancelledBy: p[o + 3]!,
    errorKind: p[o + 4]!,
    hour: p.readInt32LE(o + 5),
    created: p.readDoubleLE(o + 9),
    updated: p.readDoubleLE(o + 17),
    finished: p.readDoubleLE(o + 25),
    events: p.readDoubleLE(o + 33),
    bytes: p.readDoubleLE(o + 41),
    where: p[o + 49]!,
    offset: p.readDoubleLE(o + 50),
    length: p.readUInt32LE(o + 58),
  };
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
      out.push(frame(p));
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
    out.push(frame(p));
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
    return frame(p);
  }
}

function frame(payload: Buffer): Buffer {
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
      await this.handle.write(Buffer.concat(parts));
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
    yieldEvery = 20_000,
  ): Promise<void> {
    const taken = new Map(stamps);
    return this.run(async () => {
      const temp = `${this.path}.tmp`;
      const out = await open(temp, 'w', 0o600);
      const encoder = new IndexEncoder();
      let records = 0;
      try {
        const chunk: Buffer[] = [header()];
        let n = 0;
        for (const row of rows()) {
          for (const part of encoder.job(row)) chunk.push(part);
          records++;
          if (++n % yieldEvery === 0) {
            await out.write(Buffer.concat(chunk.splice(0)));
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        for (const [month, s] of taken) chunk.push(encoder.stamp(month, s));
        records += taken.size;
        await out.write(Buffer.concat(chunk));
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

  /** Remove the file (it is rebuilt at the next start). */
  static async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  private run(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step).catch((error: unknown) => {
      this.failed ??= error as Error;
    });
    this.chain = next;
    return next;
  }
}
