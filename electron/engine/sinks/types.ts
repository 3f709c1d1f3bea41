/** One object being written, streamed. */
export interface ObjectWriter {
  write(chunk: Buffer): Promise<void>;
  /** Make the object visible under its key (atomically: readers never see half of it). */
  finish(): Promise<{ etag: string | null }>;
  /** Give up: nothing becomes visible, nothing is left behind. */
  abort(): Promise<void>;
}

export interface StoredObject {
  key: string;
  size: number;
  etag: string | null;
}

/**
 * Where an export's files go: an S3 bucket or a local folder, with the same keys either way.
 */
export interface Sink {
  /** `s3://bucket/key` or the file path, for messages. */
  describe(key: string): string;
  /** The file an object is, for a folder sink (checksums can then be read back); null for S3. */
  localPath(key: string): string | null;
  openObject(key: string): Promise<ObjectWriter>;
  /** A small object in one request (manifests). */
  putObject(key: string, body: Buffer, contentType: string): Promise<{ etag: string | null }>;
  /** Objects whose key starts with `prefix`. */
  list(prefix: string): Promise<StoredObject[]>;
  deleteObjects(keys: string[]): Promise<void>;
  /**
   * Remove what an interrupted earlier run left under `prefix` (S3: unfinished multipart
   * uploads; folder: temp files), so a re-run leaves exactly what a clean run would.
   */
  cleanup(prefix: string): Promise<number>;
  close(): void;
}
