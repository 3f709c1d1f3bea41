import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../support/ferry';
import { motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();
let moto: Moto;
const BUCKET = 'ferry-migrate-cli';
beforeAll(async () => {
  moto = await startMoto();
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(() => moto?.stop());

describe('ferry migrate', () => {
  it('starts, steps with exit codes, finishes behind --yes, refuses rollback after, and writes a runbook', async () => {
    const dataDir = await newDir();
    const env = { ...moto.env, FERRY_DATA_DIR: dataDir, FERRY_DEMO: '0' };
    const ferry = (...args: string[]) => runFerry(args, env);
    await ferry('org', 'add', '--id', '1', '--name', 'Acme');
    await ferry(
      'project',
      'add',
      '--id',
      '187530',
      '--org',
      '1',
      '--name',
      'Web',
      '--source',
      'demo',
    );
    const added = await ferry(
      'connection',
      'add',
      '--name',
      'legacy',
      '--project',
      '187530',
      ...motoBucketFlags(moto, BUCKET, 'amplitude/'),
      '--enable',
      '--settle-minutes',
      '0',
    );
    expect(added.code, added.stderr).toBe(0);

    expect((await ferry('migrate', 'status')).stdout).toContain('No migrations yet');
    const started = await ferry('migrate', 'start', 'legacy');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('→  1. Check prerequisites');
    expect((await ferry('migrate', 'start', 'legacy')).stderr).toMatch(/is being migrated already/);

    // A step that is Ferry's own can not be marked done by hand: wrong usage, exit 2.
    await ferry('migrate', 'next', 'legacy');
    const marked = await ferry('migrate', 'next', 'legacy', '--mark-done');
    expect(marked.code).toBe(2);
    expect(marked.stderr).toMatch(/--mark-done: Step 2 of 10 .* is done by Ferry/);

    for (let n = 2; n <= 9; n++) {
      const step = await ferry('--json', 'migrate', 'next', 'legacy');
      expect(step.code, `step ${n}: ${step.stderr}`).toBe(0);
      const view = JSON.parse(step.stdout) as { steps: { status: string }[] };
      expect(view.steps[n - 1]!.status).toBe('done');
    }

    // Step 10 needs --yes, and says why.
    const unconfirmed = await ferry('migrate', 'finish', 'legacy');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/rollback is no longer possible\. Run again with --yes/);
    const finished = await ferry('migrate', 'finish', 'legacy', '--yes');
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout).toContain('can no longer be rolled back');

    const refused = await ferry('migrate', 'rollback', 'legacy');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/can no longer be rolled back/);

    // The old connection is archived, and its name still finds the migration.
    const list = await ferry('--json', 'connection', 'list');
    expect((JSON.parse(list.stdout) as { name: string }[]).map((c) => c.name)).toEqual([
      'legacy (KMS)',
    ]);
    const out = join(dataDir, 'runbook.md');
    expect((await ferry('migrate', 'runbook', 'legacy', '--out', out)).code).toBe(0);
    const book = await readFile(out, 'utf8');
    expect(book).toContain('| 10 | Delete the old connection | done');

    // Every backup is listed, shown and can be restored from the command line.
    const backups = JSON.parse((await ferry('--json', 'backups', 'list')).stdout) as {
      id: string;
      kind: string;
    }[];
    expect(backups.length).toBeGreaterThanOrEqual(5);
    const firstPolicy = backups.filter((b) => b.kind === 'bucket-policy').at(-1)!;
    const shown = await ferry('backups', 'show', firstPolicy.id);
    expect(shown.stdout).toContain(`id:         ${firstPolicy.id}`);
    // What changed since: there was none then, the migration's policy is there now.
    const diff = await ferry('backups', 'diff', firstPolicy.id);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('(there was none)');
    expect(diff.stdout).toMatch(/^\+.*role\/ferry-export-/m);
    // A restore keeps the statements a live connection exports with, and says so.
    const kept = await ferry('backups', 'restore', firstPolicy.id);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toMatch(
      /Kept \(not in the backup\):\n {2}FerryExport\w+Write — connection "legacy \(KMS\)" exports with it: kept/,
    );
    expect((await moto.s3().send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toContain(
      'role/ferry-export-',
    );
    // diff lists what --whole would lose; --whole removes the policy the backup did not have.
    expect((await ferry('backups', 'diff', firstPolicy.id)).stdout).toMatch(
      /With --whole it would also remove:\n {2}FerryExport\w+Write — connection "legacy \(KMS\)" exports with it and loses this access/,
    );
    const restored = await ferry('backups', 'restore', firstPolicy.id, '--whole');
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(
      /There was no bucket-policy on s3:\/\/ferry-migrate-cli before; it was removed/,
    );
    expect(restored.stdout).toMatch(
      /Removed:\n {2}FerryExport\w+Write — connection "legacy \(KMS\)"/,
    );
    await expect(
      moto.s3().send(new GetBucketPolicyCommand({ Bucket: BUCKET })),
    ).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
    // ... and kept the policy it removed: restoring that backup puts it back.
    const undo = restored.stdout.match(/kept as (bk_\S+) \(ferry backups restore/)?.[1];
    expect(undo, restored.stdout).toBeDefined();
    expect((await ferry('backups', 'restore', undo!)).code).toBe(0);
    expect((await moto.s3().send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toContain(
      'role/ferry-export-',
    );
  }, 120_000);
});
