import { PassThrough } from 'node:stream';
import type {
  DeleteObjectsCommandOutput,
  ListMultipartUploadsCommandOutput,
  ListObjectsV2CommandOutput,
  S3Client,
  ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { tagged } from '../aws/permissions';
import { s3Sdk, storageSdk } from '../aws/sdk';
import type { ObjectWriter, Sink, StoredObject } from './types';

export interface S3SinkOptions {
  bucket: string;
  /** Server-side encryption to ask for; null leaves it to the bucket's default. */
  sse: { algorithm: 'AES256' } | { algorithm: 'aws:kms'; keyId: string } | null;
  /** Multipart part size (S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once per object. */
  queueSize?: number;
}

const CONTENT_TYPE = 'application/gzip';

/**
 * Objects in an S3 bucket (or an S3-compatible store), streamed as multipart uploads.
 *
 * Every part carries a CRC-32 checksum that S3 verifies on arrival. A failed upload is aborted,
 * so no parts are left behind; `cleanup` also aborts uploads a killed process left unfinished.
 */
export class S3Sink implements Sink {
  constructor(
    private readonly client: S3Client,
    private readonly options: S3SinkOptions,
  ) {}

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

  async openObject(key: string): Promise<ObjectWriter> {
    const { Upload } = await storageSdk();
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentType: CONTENT_TYPE,
        ChecksumAlgorithm: 'CRC32',
        ...this.encryption(),
      },
      partSize: this.options.partSize ?? 5 * 1024 * 1024,
      queueSize: this.options.queueSize ?? 2,
      leavePartsOnError: false,
    });
    let failure: unknown = null;
    const done = tagged('PutObject', () => upload.done()).catch((error: unknown) => {
      failure = error;
      throw error;
    });
    done.catch(() => undefined);
    return {
      write: async (chunk) => {
        if (failure) throw failure;
        if (!body.write(chunk)) {
          await Promise.race([new Promise((resolve) => body.once('drain', resolve)), done]);
        }
        if (failure) throw failure;
      },
      finish: async () => {
        body.end();
        const result = await done;
        return { etag: result.ETag ?? null };
      },
      abort: async () => {
        await upload.abort().catch(() => undefined);
        body.destroy();
        await done.catch(() => undefined);
      },
    };
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
        if (item.Key) out.push({ key: item.Key, size: item.Size ?? 0, etag: item.ETag ?? null });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
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

  async cleanup(prefix: string): Promise<number> {
    const { AbortMultipartUploadCommand, ListMultipartUploadsCommand } = await s3Sdk();
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
        await this.send(
          'AbortMultipartUpload',
          new AbortMultipartUploadCommand({
            Bucket: this.options.bucket,
            Key: upload.Key,
            UploadId: upload.UploadId,
          }),
        );
        aborted++;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return aborted;
  }

  close(): void {}

  /** Send a command, tagging a failure with its operation (to name the missing permission). */
  private send<T>(operation: string, command: unknown): Promise<T> {
    return tagged(operation, () => this.client.send(command as never) as Promise<T>);
  }
}
