import { readdir, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTestEngine, seedCatalog } from '../../../support/engine';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();

async function folderConnection() {
  const engine = await openTestEngine(await newDir());
  const s3 = await seedCatalog(engine);
  const out = join(await newDir(), 'exports');
  const conn = await engine.call('connections.create', {
    name: 'local',
    projectId: 187520,
    destination: { type: 'folder', path: out, permissions: 'owner' },
  });
  return { engine, s3, out, conn };
}

describe('verifying a folder destination', () => {
  it('writes, flushes and removes a file the way an export does, and says how much room there is', async () => {
    const { engine, out, conn } = await folderConnection();
    const report = await engine.call('connections.verifyFolder', { id: conn.name });
    expect(report.ok).toBe(true);
    expect(report.probes.map((p) => [p.id, p.status])).toEqual([
      ['folder', 'passed'],
      ['put', 'passed'],
      // The temp folder's disk has more than 1 GiB free here; a tmpfs with less warns (faults).
      ['space', 'passed'],
    ]);
    expect(report.probes[2]!.detail).toMatch(/^\d+(\.\d)? GiB free on its disk$/);
    // Nothing among the exported files: only the temp folder an export makes too, empty.
    expect(await readdir(out)).toEqual(['.ferry-partial']);
    expect(await readdir(join(out, '.ferry-partial'))).toEqual([]);
    await engine.close();
  });

  it('fails at the folder when it is missing or a file, and skips what follows', async () => {
    const { engine, out, conn } = await folderConnection();
    await rename(out, `${out}.moved`);
    const missing = await engine.call('connections.verifyFolder', { id: conn.id });
    expect(missing.ok).toBe(false);
    expect(missing.probes).toMatchObject([
      {
        id: 'folder',
        status: 'failed',
        detail: `There is no folder ${out} on ${hostname()}.`,
        fix: expect.stringContaining('mount it'),
      },
      { id: 'put', status: 'skipped' },
      { id: 'space', status: 'skipped' },
    ]);
    // Never made by a check, as never by an export.
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
    await writeFile(out, 'x');
    const file = await engine.call('connections.verifyFolder', { id: conn.id });
    expect(file.probes[0]).toMatchObject({
      status: 'failed',
      detail: `${out} is a file, not a folder.`,
    });
    await engine.close();
  });

  it('sends an S3 connection to the access check', async () => {
    const { engine, s3 } = await folderConnection();
    expect(await engine.dispatch('connections.verifyFolder', { id: s3.id })).toMatchObject({
      ok: false,
      error: {
        code: 'validation',
        message: `Connection "${s3.name}" writes to S3: check its access with aws.verify (ferry verify ${s3.name}).`,
      },
    });
    await engine.close();
  });
});
