import type * as fs from 'node:fs';
import type * as fsp from 'node:fs/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { classifyError } from '../../../../electron/engine/jobs/errors';
import { FilesSource } from '../../../../electron/engine/sources/files';
import { event, ndjson } from '../../../support/events';
import { useTempDirs } from '../../../support/temp';

// The tests run as root, whom no mode refuses: a refusal is made here, by name, as the disk
// would make it for another account (a disk's lost+found is root's own, mode 0700).
const refused = (path: string, syscall: string) =>
  Object.assign(new Error(`EACCES: permission denied, ${syscall} '${path}'`), {
    code: 'EACCES',
    path,
    syscall,
  });
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof fsp>();
  return {
    ...real,
    readdir: (path: string, ...rest: unknown[]) =>
      String(path).endsWith('lost+found')
        ? Promise.reject(refused(String(path), 'scandir'))
        : (real.readdir as (...a: unknown[]) => unknown)(path, ...rest),
  };
});
vi.mock('node:fs', async (original) => {
  const real = await original<typeof fs>();
  return {
    ...real,
    createReadStream: (path: string, ...rest: unknown[]) =>
      String(path).endsWith('locked.json')
        ? new Readable({
            read() {
              this.destroy(refused(String(path), 'open'));
            },
          })
        : (real.createReadStream as (...a: unknown[]) => unknown)(path, ...rest),
  };
});

const newDir = useTempDirs();
const HOUR = '2020-01-25T05';

async function readHour(source: FilesSource): Promise<unknown> {
  const hour = await source.open(HOUR, new AbortController().signal);
  for await (const stream of hour.events()) for await (const _ of stream.chunks);
  return null;
}

describe('a files source with a part Ferry may not read', () => {
  it.each([
    ['a folder', 'lost+found'],
    ['a file', 'locked.json'],
  ])('fails as the source, naming %s, never as a destination refusing a write', async (_, name) => {
    const root = await newDir();
    await writeFile(join(root, 'day.json'), ndjson([event(HOUR, 1)]));
    if (name === 'lost+found') await mkdir(join(root, name));
    else await writeFile(join(root, name), ndjson([event(HOUR, 2)]));

    const failure = await readHour(new FilesSource(root, await newDir(), 187520)).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({
      name: 'SourceError',
      code: 'source-unreadable',
      transient: false,
      message: `Ferry may not read ${join(root, name)} in the source folder ${root} (permission denied)`,
    });
    // It used to reach the classifier as a bare EACCES: "access", retried for an hour, with
    // "Let Ferry write to the destination folder" as its fix.
    expect(classifyError(failure)).toMatchObject({
      kind: 'source',
      code: 'source-unreadable',
      fix: expect.stringMatching(/^Let the account Ferry runs as read it/),
    });
  });
});
