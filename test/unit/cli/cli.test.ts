import { readdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFerry, startServe } from '../../support/ferry';
import { useTempDirs } from '../../support/temp';

const newDir = useTempDirs();

async function seeded(): Promise<string> {
  const dataDir = await newDir();
  const ferry = (...args: string[]) => runFerry(['--data-dir', dataDir, ...args]);
  expect((await ferry('org', 'add', '--id', '123', '--name', 'Acme')).code).toBe(0);
  expect(
    (await ferry('project', 'add', '--id', '187520', '--org', '123', '--name', 'Web')).code,
  ).toBe(0);
  const conn = await ferry(
    'connection',
    'add',
    '--name',
    'prod-events',
    '--project',
    '187520',
    '--bucket',
    'acme-export',
    '--region',
    'us-east-1',
    '--prefix',
    'amplitude',
    '--profile',
    'default',
    '--datasets',
    'both',
  );
  expect(conn.stderr).toBe('');
  expect(conn.code).toBe(0);
  return dataDir;
}

describe('the ferry command line', () => {
  it('prints help for every command and exits 0', async () => {
    const top = await runFerry(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['serve', 'org', 'project', 'connection'])
      expect(top.stdout).toContain(command);
    for (const path of [
      ['org', 'add'],
      ['project', 'list'],
      ['connection', 'add'],
      ['connection', 'update'],
      ['serve'],
    ]) {
      const help = await runFerry([...path, '--help']);
      expect(help.code, path.join(' ')).toBe(0);
      expect(help.stdout).toMatch(/^Usage: ferry /);
    }
  });

  it('adds, lists and shows, as text and as JSON', async () => {
    const dataDir = await seeded();
    const list = await runFerry(['connection', 'list'], { FERRY_DATA_DIR: dataDir });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /prod-events\s+187520\s+s3:\/\/acme-export\/amplitude\/\s+events,merged-ids\s+no/,
    );
    const json = await runFerry([
      '--data-dir',
      dataDir,
      '--json',
      'connection',
      'show',
      'prod-events',
    ]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: 'prod-events',
      projectId: 187520,
      datasets: ['events', 'merged-ids'],
    });
    const updated = await runFerry([
      '--data-dir',
      dataDir,
      'connection',
      'update',
      'prod-events',
      '--prefix',
      'exports',
      '--enable',
    ]);
    expect(updated.code).toBe(0);
    const after = JSON.parse(
      (await runFerry(['--data-dir', dataDir, '--json', 'connection', 'show', 'prod-events']))
        .stdout,
    );
    expect(after).toMatchObject({
      enabled: true,
      destination: { prefix: 'exports/', bucket: 'acme-export', region: 'us-east-1' },
    });
  });

  it('exits 1 with a one-line error naming the flag on bad input, and changes nothing', async () => {
    const dataDir = await seeded();
    const before = await readFile(join(dataDir, 'config.json'), 'utf8');
    const bad = await runFerry([
      '--data-dir',
      dataDir,
      'connection',
      'add',
      '--name',
      'x',
      '--project',
      '187520',
      '--bucket',
      'Bad_Bucket',
      '--region',
      'us-east-1',
      '--profile',
      'default',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('ferry: --bucket: Bucket names use lowercase letters only\n');
    expect(bad.stdout).toBe('');
    expect(await readFile(join(dataDir, 'config.json'), 'utf8')).toBe(before);

    // Hours outside what Ferry exports are refused before anything runs.
    for (const [flags, said] of [
      [
        ['export', 'prod-events', '--hour', '0000-01-01T00'],
        '--hour: 0000-01-01T00 is before 2010-01-01T00',
      ],
      [
        ['export', 'prod-events', '--hour', '2099-01-01T00'],
        '--hour: 2099-01-01T00 is in the future',
      ],
      [
        ['backfill', 'prod-events', '--from', '2020-01-02T00', '--to', '2020-01-01T00'],
        '--to: The range must start before it ends',
      ],
    ] as const) {
      const refused = await runFerry(['--data-dir', dataDir, ...flags]);
      expect(refused.code, flags.join(' ')).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`^ferry: ${said.replace(/[()]/g, '\\$&')}`));
    }
    const noJobs = await runFerry(['--data-dir', dataDir, '--json', 'jobs']);
    expect(JSON.parse(noJobs.stdout)).toMatchObject({ total: 0 });

    const missing = await runFerry(['--data-dir', dataDir, 'org', 'show', '999']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'ferry: --id: There is no organization with ID 999\n',
    });
    const portfolio = await runFerry([
      '--data-dir',
      dataDir,
      'org',
      'add',
      '--id',
      'twelve',
      '--name',
      'X',
    ]);
    expect(portfolio).toMatchObject({
      code: 1,
      stderr:
        'ferry: --id: Organization ID must be a whole number made of digits only, e.g. 187520\n',
    });
  });

  it('exits 2 with a one-line error on wrong usage', async () => {
    for (const args of [
      ['bogus'],
      ['org', 'add', '--id', '1'],
      ['org', 'list', '--what'],
      ['project', 'add', '--id', '1', '--org', '1', '--name', 'x', '--kind', 'weird'],
    ]) {
      const result = await runFerry(args, { FERRY_DATA_DIR: await newDir() });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr).toMatch(/^ferry: .*\(see ferry.* --help\)\n$/);
    }
  });

  it('refuses a second ferry serve on the same data dir with a clear message', async () => {
    const dataDir = await newDir();
    const first = await startServe(dataDir);
    try {
      const second = await runFerry(['--data-dir', dataDir, 'serve']);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `^ferry: The data folder ${dataDir} is already in use by ferry serve \\(pid ${first.child.pid}, started .*\\)\\. Close it first, or use another folder with --data-dir\\.\\n$`,
        ),
      );
      // Changes are refused too, but reading works while the console runs.
      expect(
        (await runFerry(['--data-dir', dataDir, 'org', 'add', '--id', '1', '--name', 'A'])).code,
      ).toBe(1);
      expect((await runFerry(['--data-dir', dataDir, 'org', 'list'])).code).toBe(0);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const third = await startServe(dataDir);
    expect(await third.stop()).toBe(0);
  });

  it('recovers from a truncated config.json on the next start: damaged file kept, last good state back', async () => {
    const dataDir = await seeded();
    const path = join(dataDir, 'config.json');
    await truncate(path, 25);

    const serve = await startServe(dataDir);
    const stderr = serve.stderr();
    expect(await serve.stop()).toBe(0);
    expect(stderr).toMatch(
      /config\.json could not be read .*The damaged file was kept at .*config\.json\.damaged-.*restored the last good copy/,
    );

    const files = await readdir(dataDir);
    const damaged = files.find((f) => f.startsWith('config.json.damaged-'));
    expect(damaged).toBeDefined();
    expect((await readFile(join(dataDir, damaged!), 'utf8')).length).toBe(25);
    const list = await runFerry(['--data-dir', dataDir, '--json', 'connection', 'list']);
    expect(list.stderr).toBe('');
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: 'prod-events' }]);
  });
});
