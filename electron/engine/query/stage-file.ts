/**
 * One file of the query copy, built whole in memory (a Parquet file is written at once), staged
 * in the sink: invisible until the hour's commit, thrown away if staging fails half-way.
 */
import { createHash } from 'node:crypto';
import type { StagedFile } from '../pipeline/event-types';
import type { Sink } from '../sinks/types';

export async function stageWholeFile(
  sink: Sink,
  key: string,
  bytes: Uint8Array,
  /** Rows it holds (recorded as the object's `events`). */
  rows: number,
  signal: AbortSignal,
): Promise<StagedFile> {
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const object = await sink.stage(key, signal);
  try {
    await object.write(body);
    const staged = await object.seal();
    return {
      key,
      bytes: body.length,
      rawBytes: body.length,
      events: rows,
      sha256: createHash('sha256').update(body).digest('hex'),
      etag: null,
      staged,
    };
  } catch (error) {
    await object.abort();
    throw error;
  }
}
