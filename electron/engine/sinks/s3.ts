import type {
  CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommandOutput,
  DeleteObjectsCommandOutput,
  HeadObjectCommandOutput,
  ListMultipartUploadsCommandOutput,
  ListObjectsV2CommandOutput,
  S3Client,
  ServerSideEncryption,
  UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import { tagged } from '../aws/permissions';
import { s3Sdk } from '../aws/sdk';
import {
  StagedObjectLost,
  type Sink,
  type StagedHandle,
  type StagedObject,
  type StoredObject,
  type CleanupOptions,
} from './types';

export interface S3SinkOptions {
  bucket: string;
  /** Server-side encryption to ask for; null leaves it to the bucket's default. */
  sse: { algorithm: 'AES256' } | { algorithm: 'aws:kms'; keyId: string } | null;
  /** Multipart part size (S3's minimum for all parts but the last is 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once per object. */
  queueSize?: number;
  /** Told the server's time (its `Date` header) with every answer, refusals included. */
  onServerTime?: (epochMs: number) => void;
  /**
   * Parts go with their CRC-32 only, their bytes left out of the request signature, as the SDK
   * itself sends any streamed body: saves hashing every byte once more with SHA-256. Only where
   * nobody between can change a request (TLS, or this computer): the CRC-32 finds a damaged
   * part, not a forged one.
   */
  unsignedParts?: boolean;
}

const CONTENT_TYPE = 'application/gzip';
const MIN_PART = 5 * 1024 * 1024;

/**
 * Upload ids this process is writing or holds sealed: `cleanup` never aborts them. Process-wide,
 * because two sinks (two jobs) may write under the same prefix.
 */
const liveUploads = new Set<string>();

/**
 * Objects in an S3 bucket (or an S3-compatible store). Every object is a multipart upload that
 * is completed only when its hour commits — a single part under 5 MiB is allowed — so nothing of
 * an hour is visible before all of it is written. Each part carries a CRC-32 checksum S3 checks
 * on arrival. A failed or cancelled hour aborts its uploads; `cleanup` aborts what a killed
 * process left behind.
 */
export class S3Sink implements Sink {
  readonly staging = 'upload';

  /** Parts are sent unsigned (see `S3SinkOptions.unsignedParts`) until the server refuses one. */
  private unsignedParts: boolean;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3SinkOptions,
  ) {
    this.unsignedParts = options.unsignedParts === true;
  }

  describe(key: string): string {
    return `s3://${this.options.bucket}/${key}`;
  }

  localPath(): null {
    return null;
  }

  private encryption(): {
    ServerSideEncryption?: ServerSideEncryption;
    SSEKMSKeyId?: string;
    BucketKeyEnabled?: boolean;
  } {
    const sse = this.options.sse;
    if (!sse) return {};
    if (sse.algorithm === 'AES256') return { ServerSideEncryption: 'AES256' };
    return { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: sse.keyId, BucketKeyEnabled: true };
  }

  async stage(key: string, signal?: AbortSignal): Promise<StagedObject> {
    const { CreateMultipartUploadCommand } = await s3Sdk();
    const { Bucket } = { Bucket: this.options.bucket };
    // Not cut off by the signal: S3 may have created the upload by then, and an upload whose id
    // never arrived could not be aborted. The answer is waited for, then the upload aborted.
    let created: CreateMultipartUploadCommandOutput;
    try {
      created = await this.send<CreateMultipartUploadCommandOutput>(
        'CreateMultipartUpload',
        new CreateMultipartUploadCommand({
          Bucket,
          Key: key,
          ContentType: CONTENT_TYPE,
          ChecksumAlgorithm: 'CRC32',
          ...this.encryption(),
        }),
      );
    } catch (error) {
      // No answer (a timeout, a reset): S3 may still have made one. Abort what is under the key.
      await this.cleanup(key).catch(() => undefined);
      throw error;
    }
    const uploadId = created.UploadId!;
    liveUploads.add(uploadId);
    if (signal?.aborted) {
      await this.abortUpload(key, uploadId).catch(() => undefined);
      signal.throwIfAborted();
    }
    const partSize = Math.max(this.options.partSize ?? MIN_PART, MIN_PART);
    const queueSize = this.options.queueSize ?? 2;
    const parts: { PartNumber: number; ETag: string; ChecksumCRC32?: string }[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;
    // Buffers of parts S3 has taken, filled again: an hour of 2 GB would otherwise leave 400
    // dead 5 MiB buffers for V8 to notice late (outside its heap, they count only as RSS).
    const spare: Buffer<ArrayBuffer>[] = [];
    let buffer = Buffer.allocUnsafe(partSize);
    let filled = 0;
    let bytes = 0;

    const upload = (body: Buffer<ArrayBuffer>, PartNumber: number) => {
      const part = { Bucket, Key: key, UploadId: uploadId, PartNumber, Body: body };
      const sent = this.uploadPart(part, signal).then(
        (result) => {
          parts.push({ PartNumber, ETag: result.ETag!, ChecksumCRC32: result.ChecksumCRC32 });
          // Only now: until S3 has answered, the SDK may still be sending (or resending) it.
          if (body.buffer.byteLength === partSize && spare.length < queueSize)
            spare.push(Buffer.from(body.buffer, body.byteOffset, partSize));
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      const tracked = sent.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    };
    let nextPart = 1;
    const flush = async () => {
      if (filled === 0 && nextPart > 1) return;
      upload(buffer.subarray(0, filled), nextPart++);
      buffer = spare.pop() ?? Buffer.allocUnsafe(partSize);
      filled = 0;
      while (inFlight.size >= queueSize) await Promise.race(inFlight);
      if (failure) throw failure;
    };

    return {
      key,
      write: async (chunk) => {
        if (failure) throw failure;
        bytes += chunk.length;
        let at = 0;
        while (at < chunk.length) {
          const take = Math.min(chunk.length - at, partSize - filled);
          chunk.copy(buffer, filled, at, at + take);
          filled += take;
          at += take;
          if (filled === partSize) await flush();
        }
      },
      seal: async () => {
        if (filled > 0 || nextPart === 1) await flush();
        await Promise.all(inFlight);
        if (failure) throw failure;
        parts.sort((a, b) => a.PartNumber - b.PartNumber);
        return { sink: 's3', key, uploadId, parts: [...parts], bytes };
      },
      abort: async () => {
        // A cancelled job's parts were cut off by its signal; a failed one's end on their own.
        await Promise.allSettled(inFlight);
        await this.abortUpload(key, uploadId).catch(() => undefined);
      },
    };
  }

  /**
   * Send one part with its CRC-32, unsigned where allowed. A server that refuses an unsigned
   * part (some S3-compatible ones want every byte signed) gets it again signed, and every part
   * after it: the export goes on as it would have without the shortcut.
   */
  private async uploadPart(
    part: { Bucket: string; Key: string; UploadId: string; PartNumber: number; Body: Buffer },
    signal: AbortSignal | undefined,
  ): Promise<UploadPartCommandOutput> {
    const { UploadPartCommand } = await s3Sdk();
    const send = (unsigned: boolean) => {
      const command = new UploadPartCommand({
        ...part,
        ContentLength: part.Body.length,
        ChecksumAlgorithm: 'CRC32',
      });
      if (unsigned) withUnsignedPayload(command as unknown as Command);
      return this.send<UploadPartCommandOutput>('UploadPart', command, signal);
    };
    const unsigned = this.unsignedParts;
    try {
      return await send(unsigned);
    } catch (error) {
      if (!unsigned || signal?.aborted || !refusedRequest(error)) throw error;
      this.unsignedParts = false;
      return send(false);
    }
  }

  async commit(handle: StagedHandle): Promise<{ etag: string | null }> {
    if (handle.sink !== 's3') throw new Error(`Not an S3 upload: ${handle.key}`);
    const { CompleteMultipartUploadCommand, HeadObjectCommand } = await s3Sdk();
    try {
      const done = await this.send<CompleteMultipartUploadCommandOutput>(
        'CompleteMultipartUpload',
        new CompleteMultipartUploadCommand({
          Bucket: this.options.bucket,
          Key: handle.key,
          UploadId: handle.uploadId,
          MultipartUpload: { Parts: handle.parts },
        }),
      );
      liveUploads.delete(handle.uploadId);
      return { etag: done.ETag ?? null };
    } catch (error) {
      if ((error as { name?: string }).name !== 'NoSuchUpload') throw error;
      // Completed before a kill cut the commit short? The object is then in place, whole: its
      // bytes are the same bytes whichever run of the hour wrote them.
      const head = await this.send<HeadObjectCommandOutput>(
        'HeadObject',
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: handle.key }),
      ).catch(() => null);
      liveUploads.delete(handle.uploadId);
      if (head && head.ContentLength === handle.bytes) return { etag: head.ETag ?? null };
      throw new StagedObjectLost(handle.key);
    }
  }

  async discard(handle: StagedHandle): Promise<void> {
    if (handle.sink === 's3') await this.abortUpload(handle.key, handle.uploadId);
  }

  /** Abort a multipart upload; one already gone (aborted, or completed) is fine. */
  private async abortUpload(key: string, uploadId: string): Promise<void> {
    const { AbortMultipartUploadCommand } = await s3Sdk();
    await this.send(
      'AbortMultipartUpload',
      new AbortMultipartUploadCommand({
        Bucket: this.options.bucket,
        Key: key,
        UploadId: uploadId,
      }),
    ).catch((error: unknown) => {
      if ((error as { name?: string }).name !== 'NoSuchUpload') throw error;
    });
    liveUploads.delete(uploadId);
  }

  async putObject(
    key: string,
    data: Buffer,
    contentType: string,
  ): Promise<{ etag: string | null }> {
    const { PutObjectCommand } = await s3Sdk();
    const result = await this.send<{ ETag?: string }>(
      'PutObject',
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: data,
        ContentType: contentType,
        ...this.encryption(),
      }),
    );
    return { etag: result.ETag ?? null };
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const { ListObjectsV2Command } = await s3Sdk();
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.send<ListObjectsV2CommandOutput>(
        'ListObjectsV2',
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: prefix,
          ContinuationToken: token,
        }),
      );
      for (const item of page.Contents ?? [])
        if (item.Key)
          out.push({
            key: item.Key,
            size: item.Size ?? 0,
            etag: item.ETag ?? null,
            modified: item.LastModified?.getTime() ?? null,
          });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async find(keys: string[]): Promise<StoredObject[]> {
    if (keys.length === 0) return [];
    const wanted = new Set(keys);
    const common = keys.reduce((a, b) => {
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      return a.slice(0, i);
    });
    return (await this.list(common)).filter((o) => wanted.has(o.key));
  }

  async partitions(prefix: string, key: (n: number) => string): Promise<StoredObject[]> {
    const names = new Set<string>();
    const listed = await this.list(prefix);
    // Every listed key that is a partition name (`#<n>` exactly as key(n) writes it).
    for (const o of listed) {
      const n = Number(/#(\d+)\.json\.gz$/.exec(o.key)?.[1] ?? NaN);
      if (Number.isInteger(n) && n > 0 && key(n) === o.key) names.add(o.key);
    }
    return listed.filter((o) => names.has(o.key));
  }

  async deleteObjects(keys: string[]): Promise<void> {
    const { DeleteObjectsCommand } = await s3Sdk();
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const result = await this.send<DeleteObjectsCommandOutput>(
        'DeleteObjects',
        new DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = result.Errors?.[0];
      if (failed) {
        const error = new Error(
          `Could not delete ${this.describe(failed.Key ?? '?')}: ${failed.Message ?? failed.Code}`,
        );
        Object.assign(error, { name: failed.Code ?? 'DeleteFailed' });
        throw error;
      }
    }
  }

  async cleanup(
    prefix: string,
    { keep = new Set(), startedBefore, spare }: CleanupOptions = {},
  ): Promise<number> {
    const { ListMultipartUploadsCommand } = await s3Sdk();
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.send<ListMultipartUploadsCommandOutput>(
        'ListMultipartUploads',
        new ListMultipartUploadsCommand({
          Bucket: this.options.bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId) continue;
        if (liveUploads.has(upload.UploadId) || keep.has(upload.UploadId)) continue;
        if (startedBefore && !(upload.Initiated && upload.Initiated < startedBefore)) continue;
        if (spare?.(upload.Key)) continue;
        await this.abortUpload(upload.Key, upload.UploadId);
        aborted++;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return aborted;
  }

  close(): void {}

  /** Send a command, tagging a failure with its operation (to name the missing permission). */
  private send<T>(operation: string, command: unknown, signal?: AbortSignal): Promise<T> {
    if (this.options.onServerTime) withServerTime(command as Command, this.options.onServerTime);
    return tagged(
      operation,
      () => this.client.send(command as never, { abortSignal: signal }) as Promise<T>,
    );
  }
}

interface Command {
  middlewareStack: {
    add(
      middleware: (next: Handler) => Handler,
      options: { step: 'build' | 'deserialize'; name: string; override: boolean },
    ): void;
  };
}
type Handler = (args: unknown) => Promise<{ response?: unknown }>;

/** An answer refusing the request as sent (400, 403, 501), not a failure to reach the server. */
function refusedRequest(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status === 400 || status === 403 || status === 501;
}

/** Sign one request without its body: SigV4's `UNSIGNED-PAYLOAD` (see `unsignedParts`). */
function withUnsignedPayload(command: Command): void {
  command.middlewareStack.add(
    (next) => (args) => {
      const request = (args as { request?: { headers?: Record<string, string> } }).request;
      if (request?.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'ferryUnsignedPayload', override: true },
  );
}

/** The `Date` header of an HTTP answer the SDK hands along, as epoch ms. */
function dateOf(response: unknown): number | null {
  const headers = (response as { headers?: Record<string, string | undefined> } | undefined)
    ?.headers;
  const date = headers?.date ?? headers?.Date;
  return date ? Date.parse(date) : null;
}

/** Have one command tell `report` the server's time of its answer, success or refusal. */
function withServerTime(command: Command, report: (epochMs: number) => void): void {
  const seen = (response: unknown) => {
    const at = dateOf(response);
    if (at !== null) report(at);
  };
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        const out = await next(args);
        seen(out.response);
        return out;
      } catch (error) {
        seen((error as { $response?: unknown }).$response);
        throw error;
      }
    },
    { step: 'deserialize', name: 'ferryServerTime', override: true },
  );
}
