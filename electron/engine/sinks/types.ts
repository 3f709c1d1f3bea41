/**
 * What a commit needs to make a sealed object visible: written, durable, invisible. It is plain
 * JSON so it can be recorded before the commit starts and the commit finished after a kill.
 */
export type StagedHandle =
  | {
      sink: 's3';
      key: string;
      uploadId: string;
      parts: { PartNumber: number; ETag: string; ChecksumCRC32?: string }[];
      bytes: number;
    }
  | { sink: 'folder'; key: string; temp: string; bytes: number };

/** One object being written, invisibly until its hour commits. */
export interface StagedObject {
  readonly key: string;
  /**
   * Add bytes. Done with `chunk` once this resolves (written or copied): the caller fills the
   * same buffer again (see GzipWriter).
   */
  write(chunk: Buffer): Promise<void>;
  /** Every byte is stored durably (S3: every part uploaded; folder: file synced); still invisible. */
  seal(): Promise<StagedHandle>;
  /** Give up: nothing becomes visible, nothing is left behind. */
  abort(): Promise<void>;
}

export interface StoredObject {
  key: string;
  size: number;
  etag: string | null;
  /** When it was last written (epoch ms), as the destination says; null when unknown. */
  modified?: number | null;
}

/** A sealed object whose staged data is gone (aborted by someone) and that is not in place. */
export class StagedObjectLost extends Error {
  constructor(readonly key: string) {
    super(`The staged upload of ${key} is gone, so it can not be made visible`);
    this.name = 'StagedObjectLost';
  }
}

/**
 * Where an export's files go: an S3 bucket or a local folder, with the same keys either way.
 *
 * Writing is two-phase so an hour is visible whole or not at all: every object of the hour is
 * staged and sealed first, and only then committed (made visible), one after the other.
 */
/** What a sink's `cleanup` leaves alone. */
export interface CleanupOptions {
  /** Upload ids or temp paths of commits still to be finished. */
  keep?: ReadonlySet<string>;
  /** Only leftovers started before this (S3: an upload's `Initiated`). */
  startedBefore?: Date;
  /** Object keys another process may be writing now (team mode: hours a worker runs). */
  spare?(key: string): boolean;
}

export interface Sink {
  /** What a staged object is until it is committed: an S3 multipart upload, or a temp file. */
  readonly staging: 'upload' | 'file';
  /** `s3://bucket/key` or the file path, for messages. */
  describe(key: string): string;
  /** The file an object is, for a folder sink (checksums can then be read back); null for S3. */
  localPath(key: string): string | null;
  /** Start writing an object nobody can see until it is committed; `signal` cuts writes off. */
  stage(key: string, signal?: AbortSignal): Promise<StagedObject>;
  /**
   * Make a sealed object visible under its key. Safe to repeat: a commit cut short by a kill
   * is finished by running it again. Throws StagedObjectLost when the staged data is gone and
   * the object is not in place.
   */
  commit(handle: StagedHandle): Promise<{ etag: string | null }>;
  /** Throw a sealed object away without making it visible. */
  discard(handle: StagedHandle): Promise<void>;
  /** A small object in one request, visible at once (manifests). */
  putObject(key: string, body: Buffer, contentType: string): Promise<{ etag: string | null }>;
  /** Objects whose key starts with `prefix`. */
  list(prefix: string): Promise<StoredObject[]>;
  /**
   * The objects among `keys` that exist — an hour's own names, looked up rather than found by
   * listing everything beside them (a folder of 17 years of hours). S3 lists their prefix once.
   */
  find(keys: string[]): Promise<StoredObject[]>;
  /**
   * An hour's partitions `#1`, `#2`, … as they are now. S3 lists `prefix` (one request; every
   * partition, even past a gap); a folder looks `key(1)`, `key(2)`, … up until one is missing,
   * never reading the rest of the folder. (Partitions are contiguous: a commit deletes the
   * stale ones together, and its record finishes a deletion a kill cut short.)
   */
  partitions(prefix: string, key: (n: number) => string): Promise<StoredObject[]>;
  deleteObjects(keys: string[]): Promise<void>;
  /**
   * Remove staged leftovers under `prefix` that no live export of this process owns (S3:
   * unfinished multipart uploads; folder: temp files), except those `options` spare. Returns
   * how many were removed.
   */
  cleanup(prefix: string, options?: CleanupOptions): Promise<number>;
  close(): void;
}
