import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

/** The sentinel @electron/fuses looks for, then wire version 1 and its 8 fuses as Electron ships them. */
export const FUSE_WIRE = Buffer.concat([
  Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
  Buffer.from([1, 8]),
  Buffer.from('10110001'),
]);

export interface TestPackage {
  /** The unpacked app folder (linux-unpacked). */
  app: string;
  /** Its resources/app.asar. */
  asar: string;
  remove(): Promise<void>;
}

/**
 * electron-builder's Linux unpacked app, built from out/ against a placeholder runtime folder
 * (electronDist) whose "binary" is a script carrying Electron's fuse wire: no Electron runtime
 * can be downloaded here. Shows what is packed and how, not that Electron runs it.
 */
export async function buildTestPackage(extraArgs: string[] = []): Promise<TestPackage> {
  if (!existsSync('out/renderer/index.html'))
    spawnSync('npm', ['run', 'build:renderer'], { stdio: 'inherit' });
  const runtime = await mkdtemp(join(tmpdir(), 'ferry-package-runtime-'));
  const output = await mkdtemp(join(tmpdir(), 'ferry-package-'));
  await writeFile(
    join(runtime, 'electron'),
    Buffer.concat([
      Buffer.from('#!/bin/sh\necho "placeholder Electron runtime (packaging test)"; exit 1\n'),
      FUSE_WIRE,
    ]),
    { mode: 0o755 },
  );
  await writeFile(join(runtime, 'LICENSE'), 'placeholder');
  const built = spawnSync(
    resolve('node_modules/.bin/electron-builder'),
    [
      '--dir',
      '--linux',
      `-c.electronDist=${runtime}`,
      `-c.directories.output=${output}`,
      ...extraArgs,
    ],
    { encoding: 'utf8', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
  );
  expect(built.status, `${built.stdout}\n${built.stderr}`).toBe(0);
  const app = join(output, 'linux-unpacked');
  return {
    app,
    asar: join(app, 'resources', 'app.asar'),
    remove: async () => {
      await rm(runtime, { recursive: true, force: true });
      await rm(output, { recursive: true, force: true });
    },
  };
}
