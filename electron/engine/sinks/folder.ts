import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ObjectWriter, Sink, StoredObject } from './types';

const TEMP_MARK = '.ferry-partial-';

/**
 * The same layout as the bucket, on disk. Each file is written under a temp name in its folder
 * and renamed into place when complete, so a reader never sees half a file; a killed run leaves
 * only temp files, which the next run of that hour removes.
 */
export class FolderSink implements Sink {
  constructor(private readonly root: string) {}

  describe(key: string): string {
    return this.path(key);
  }

  localPath(key: string): string {
    return this.path(key);
  }

  async openObject(key: string): Promise<ObjectWriter> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(
      dirname(target),
      `${TEMP_MARK}${randomBytes(4).toString('hex')}-${basenameOf(target)}`,
    );
    const stream = createWriteStream(temp, { mode: 0o644 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    let failed: Error | null = null;
    stream.on('error', (error) => (failed = error));
    return {
      write: (chunk) => writeChunk(stream, chunk, () => failed),
      finish: async () => {
        await new Promise<void>((resolve, reject) =>
          stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
        if (failed) throw failed;
        await rename(temp, target);
        return { etag: null };
      },
      abort: async () => {
        stream.destroy();
        await rm(temp, { force: true });
      },
    };
  }

  async putObject(key: string, body: Buffer): Promise<{ etag: string | null }> {
    const writer = await this.openObject(key);
    await writer.write(body);
    return writer.finish();
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const dir = dirname(this.path(`${prefix}x`));
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: StoredObject[] = [];
    for (const name of names) {
      if (name.startsWith(TEMP_MARK)) continue;
      const key = relative(this.root, join(dir, name)).split(sep).join('/');
      if (!key.startsWith(prefix)) continue;
      const info = await stat(join(dir, name)).catch(() => null);
      if (info?.isFile()) out.push({ key, size: info.size, etag: null });
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async deleteObjects(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.path(key), { force: true })));
  }

  async cleanup(prefix: string): Promise<number> {
    const target = this.path(`${prefix}x`);
    const dir = dirname(target);
    const head = basenameOf(target).slice(0, -1);
    const names = await readdir(dir).catch(() => [] as string[]);
    const stale = names.filter(
      (n) => n.startsWith(TEMP_MARK) && n.slice(TEMP_MARK.length + 9).startsWith(head),
    );
    await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
    return stale.length;
  }

  close(): void {}

  private path(key: string): string {
    const parts = key.split('/');
    if (parts.some((p) => p === '..' || p === '.'))
      throw new Error(`Refusing object key with "." or "..": ${key}`);
    return join(this.root, ...parts);
  }
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf(sep) + 1);
}

function writeChunk(stream: WriteStream, chunk: Buffer, failed: () => Error | null): Promise<void> {
  const error = failed();
  if (error) return Promise.reject(error);
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (e: Error) => {
      stream.off('drain', onDrain);
      reject(e);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
