import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import {
  appendFile,
  cp,
  readdir,
  readFile,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobsStore } from '../../../electron/engine/store/jobs-store';
import { FERRY_BIN, runFerry, startServe } from '../../support/ferry';
import { jobRecord } from '../../support/jobs';
import { useTempDirs } from '../../support/temp';

const newDir = useTempDirs();

async function seeded(): Promise<string> {
  const dataDir = await newDir();
  const ferry = (...args: string[]) => runFerry(['--data-dir', dataDir, ...args]);
  expect((await ferry('org', 'add', '--id', '123', '--name', 'Acme')).code).toBe(0);
  expect(
    (
      await ferry(
        'project',
        'add',
        '--id',
        '187520',
        '--org',
        '123',
        '--name',
        'Web',
        '--source',
        'demo',
      )
    ).code,
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
    // Moving an enabled connection is checked against the bucket first (no profile here: refused)…
    const moved = await runFerry([
      '--data-dir',
      dataDir,
      'connection',
      'update',
      'prod-events',
      '--prefix',
      'exports',
      '--enable',
    ]);
    expect(moved.code).toBe(2);
    expect(moved.stderr).toMatch(/There is no AWS profile "default"/);
    // …a disabled one is saved as it is.
    const updated = await runFerry([
      '--data-dir',
      dataDir,
      'connection',
      'update',
      'prod-events',
      '--prefix',
      'exports',
    ]);
    expect(updated.code).toBe(0);
    expect(
      (await runFerry(['--data-dir', dataDir, 'connection', 'update', 'prod-events', '--enable']))
        .code,
    ).toBe(0);
    const after = JSON.parse(
      (await runFerry(['--data-dir', dataDir, '--json', 'connection', 'show', 'prod-events']))
        .stdout,
    );
    expect(after).toMatchObject({
      enabled: true,
      destination: { prefix: 'exports/', bucket: 'acme-export', region: 'us-east-1' },
    });
  });

  it('connection update changes only the option its flag names', async () => {
    const dataDir = await seeded();
    const ferry = (...args: string[]) => runFerry(['--data-dir', dataDir, ...args]);
    // Every option away from its default, so a default slipping back in shows.
    const all = ['--partition-size', '7MiB', '--gzip-level', '2', '--exclude-events', 'debug'];
    const allSchedule = [
      ...['--manifest', '--query-copy', '--json-table'],
      ...['--settle-minutes', '45', '--lookback-hours', '72'],
    ];
    const options = {
      partitionBytes: 7 * 1024 * 1024,
      gzipLevel: 2,
      eventFilter: { mode: 'exclude', eventTypes: ['debug'] },
      manifest: true,
      queryCopy: true,
      jsonTable: true,
    };
    const schedule = { settleMinutes: 45, lookbackHours: 72, accessTries: 9 };
    const cases: [string[], Record<string, unknown>][] = [
      [['--partition-size', '3MiB'], { partitionBytes: 3 * 1024 * 1024 }],
      [['--gzip-level', '9'], { gzipLevel: 9 }],
      [['--include-events', 'play'], { eventFilter: { mode: 'include', eventTypes: ['play'] } }],
      [['--exclude-events', 'pause'], { eventFilter: { mode: 'exclude', eventTypes: ['pause'] } }],
      [['--no-event-filter'], { eventFilter: null }],
      [['--no-manifest'], { manifest: false }],
      [['--no-query-copy'], { queryCopy: false }],
      [['--no-json-table'], { jsonTable: false }],
      [['--settle-minutes', 'default'], { settleMinutes: null }],
      [['--lookback-hours', '12'], { lookbackHours: 12 }],
      [['--access-tries', '3'], { accessTries: 3 }],
    ];
    for (const [flags, changed] of cases) {
      const reset = await ferry(
        ...['connection', 'update', 'prod-events', ...all, ...allSchedule, '--access-tries', '9'],
      );
      expect(reset.code, reset.stderr).toBe(0);
      const update = await ferry('connection', 'update', 'prod-events', ...flags);
      expect(update.code, update.stderr).toBe(0);
      const after = JSON.parse((await ferry('--json', 'connection', 'show', 'prod-events')).stdout);
      const key = flags.join(' ');
      expect(after.options, key).toEqual({ ...options, ...pick(changed, options) });
      expect(after.schedule, key).toEqual({ ...schedule, ...pick(changed, schedule) });
    }
  });

  // A MinIO on the office network over http is accepted, but the events cross it in clear:
  // every save of such an endpoint says so on stderr (stdout stays the answer, --json parseable).
  it('warns on stderr whenever an endpoint over plain http to another computer is saved', async () => {
    const dataDir = await seeded();
    const cli = (...args: string[]) => runFerry(['--data-dir', dataDir, ...args]);
    const warning =
      'ferry: warning: Exports to minio.lan:9000 travel unencrypted (http): anyone on the network between can read the events. Use https:// unless that network is trusted.\n';
    const moved = await cli(
      'connection',
      'update',
      'prod-events',
      '--endpoint',
      'http://minio.lan:9000',
    );
    expect(moved.code).toBe(0);
    // Another store is another place: what stays behind is said after the warning.
    expect(moved.stderr).toMatch(
      /^ferry: warning: Exports to minio\.lan:9000 travel unencrypted[^\n]+\nferry: note: Hours exported so far stay in s3:\/\/acme-export\/amplitude\/, .+ Ferry exports to s3:\/\/acme-export\/amplitude\/ on http:\/\/minio\.lan:9000;/,
    );
    expect(moved.stdout).toMatch(/^Updated connection cn_\w+ "prod-events"\n$/);
    const added = await cli(
      ...[
        '--json',
        'connection',
        'add',
        '--name',
        'lan',
        '--project',
        '187520',
        '--bucket',
        'lan-exports',
      ],
      ...['--region', 'us-east-1', '--profile', 'default', '--endpoint', 'http://minio.lan:9000'],
    );
    expect(added).toMatchObject({ code: 0, stderr: warning });
    expect(JSON.parse(added.stdout)).toMatchObject({
      destination: { endpoint: 'http://minio.lan:9000' },
    });
    for (const quiet of ['https://minio.lan:9000', 'http://127.0.0.1:9000']) {
      const saved = await cli('connection', 'update', 'lan', '--endpoint', quiet);
      expect(saved.code).toBe(0);
      // Said: the move to another store. Not said: a warning about plain http.
      expect(saved.stderr).toMatch(/^ferry: note: Hours exported so far stay in /);
      expect(saved.stderr).not.toContain('warning');
    }
  });

  it('exits 2 with a one-line error naming the flag on bad input, and changes nothing', async () => {
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
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('ferry: --bucket: Bucket names use lowercase letters only\n');
    expect(bad.stdout).toBe('');
    expect(await readFile(join(dataDir, 'config.json'), 'utf8')).toBe(before);

    // Hours outside what Ferry exports are refused before anything runs.
    for (const [flags, said] of [
      [
        ['export', 'prod-events', '--hour', '0000-01-01T00'],
        '--hour: 0000-01-01 00:00 UTC is before 2010-01-01 00:00 UTC',
      ],
      [
        ['export', 'prod-events', '--hour', '2099-01-01T00'],
        '--hour: 2099-01-01 00:00 UTC is in the future',
      ],
      [
        ['backfill', 'prod-events', '--from', '2020-01-02T00', '--to', '2020-01-01T00'],
        '--to: The range must start before it ends',
      ],
    ] as const) {
      const refused = await runFerry(['--data-dir', dataDir, ...flags]);
      expect(refused.code, flags.join(' ')).toBe(2);
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
      code: 2,
      stderr:
        'ferry: --id: Organization ID must be a whole number made of digits only, e.g. 187520\n',
    });
  });

  it('refuses conflicting and malformed flags with exit 2, before anything is stored', async () => {
    const dataDir = await seeded();
    const before = await readFile(join(dataDir, 'config.json'), 'utf8');
    const ferry = (...args: string[]) => runFerry(['--data-dir', dataDir, ...args]);
    const add = ['connection', 'add', '--name', 'y', '--project', '187520'];
    const s3 = ['--region', 'us-east-1', '--profile', 'default', '--prefix', 'other'];
    for (const [args, said] of [
      [
        [...add, '--folder', '/tmp/x', '--bucket', 'acme-export'],
        /^ferry: --bucket or --folder: --folder exports to this computer, so --bucket would be ignored/,
      ],
      [
        [...add, '--folder', '/tmp/x', '--kms-key', 'arn:aws:kms:us-east-1:111122223333:key/x'],
        /so --kms-key would be ignored/,
      ],
      [
        [
          ...add,
          '--bucket',
          'acme-export',
          ...s3,
          '--kms-key',
          'arn:aws:kms:us-east-1:111122223333:alias/x',
        ],
        /^ferry: --kms-key: Use the key's ARN/,
      ],
      [
        [...add, '--bucket', 'acme-export', ...s3, '--kms-key', 'alias/x'],
        /^ferry: --kms-key: KMS key must be a key ARN/,
      ],
      [
        [...add, '--folder', '/tmp/x', '--json-table'],
        /^ferry: --json-table: A Glue table reads S3 only/,
      ],
      [
        ['org', 'add', '--id', '9', '--name', 'Evil\u001b]0;pwned\u0007'],
        /^ferry: --name: Organization name must not contain control characters/,
      ],
      [['org', 'add', '--id', '9', '--name', 'abc\u202egnp.exe'], /invisible text-direction marks/],
      [
        ['demo-data', '--hour', '2020-01-01T00', '--events', 'lots'],
        /^ferry: --events: Give a whole number of events/,
      ],
      [
        ['demo-data', '--hour', '2020-01-01T00', '--events', '1e12'],
        /^ferry: --events: 1,000,000,000,000 events is over 10,000,000 .*add --force if you mean it/,
      ],
      [
        ['demo-data', '--hour', '2020-01-01T00', '--events', '20000000'],
        /add --force if you mean it/,
      ],
    ] as const) {
      const result = await ferry(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(said);
      expect(result.stderr.split('\n').length, args.join(' ')).toBe(2);
    }
    // A folder connection can not take S3 flags either.
    expect(
      (
        await ferry(
          'connection',
          'add',
          '--name',
          'local',
          '--project',
          '187520',
          '--folder',
          '/tmp/ferry-local',
        )
      ).code,
    ).toBe(0);
    const kmsOnFolder = await ferry(
      'connection',
      'update',
      'local',
      '--kms-key',
      'arn:aws:kms:us-east-1:111122223333:key/x',
    );
    expect(kmsOnFolder.code).toBe(2);
    expect(kmsOnFolder.stderr).toMatch(
      /--kms-key applies to S3 connections only; this one exports to the folder \/tmp\/ferry-local/,
    );
    expect(
      JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8')).connections,
    ).toHaveLength(JSON.parse(before).connections.length + 1);
  });

  it('demo-data stops on SIGTERM even when writing to a file', async () => {
    const out = join(await newDir(), 'events.ndjson');
    const fd = openSync(out, 'w');
    const child = spawn(
      process.execPath,
      [FERRY_BIN, 'demo-data', '--hour', '2020-01-01T00', '--events', '9000000'],
      { stdio: ['ignore', fd, 'pipe'] },
    );
    closeSync(fd);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('close', done));
    // Once it is writing (the first chunk is on disk), stop it.
    while ((await stat(out)).size === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toBe('ferry: demo-data stopped (SIGTERM); the output is incomplete\n');
    expect((await stat(out)).size).toBeLessThan(9_000_000 * 1_000);
  });

  it('refuses to run an export worker that is not the one it was built with', async () => {
    // A copy of the built CLI beside the real node_modules, with one byte of its worker changed.
    const root = await newDir();
    await cp(resolve('out'), join(root, 'out'), { recursive: true });
    await cp(resolve('package.json'), join(root, 'package.json'));
    await symlink(resolve('node_modules'), join(root, 'node_modules'));
    const ferry = (...args: string[]) =>
      runFerry(['--data-dir', join(root, 'data'), ...args], {}, join(root, 'out/cli/main.js'));
    await ferry('org', 'add', '--id', '1', '--name', 'A');
    await ferry('project', 'add', '--id', '7', '--org', '1', '--name', 'W', '--source', 'demo');
    await ferry(
      'connection',
      'add',
      '--name',
      'local',
      '--project',
      '7',
      '--folder',
      join(root, 'x'),
    );
    expect((await ferry('export', 'local', '--hour', '2020-01-25T05')).code).toBe(0);
    await appendFile(join(root, 'out/worker/pipeline-worker.js'), '\n// changed\n');
    const refused = await ferry('export', 'local', '--hour', '2020-01-25T06');
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(
      /The export worker .*pipeline-worker\.js is not the one this Ferry was built with/,
    );
  });

  it('says in one line when --data-dir is not a usable folder', async () => {
    const file = join(await newDir(), 'not-a-folder');
    await writeFile(file, 'x');
    for (const args of [
      ['org', 'list'],
      ['org', 'add', '--id', '1', '--name', 'A'],
    ]) {
      const result = await runFerry(['--data-dir', file, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `ferry: --data-dir: The data folder ${file} is a file, not a folder. Give --data-dir (or FERRY_DATA_DIR) a folder.\n`,
      );
    }
    const inside = await runFerry([
      '--data-dir',
      join(file, 'ferry'),
      'org',
      'add',
      '--id',
      '1',
      '--name',
      'A',
    ]);
    expect(inside.stderr).toMatch(
      /^ferry: --data-dir: The data folder .* can not be made: part of its path is a file/,
    );
  });

  it('prints stored text with control characters escaped, so a name can not drive the terminal', async () => {
    const dataDir = await seeded();
    // Written by an older Ferry, or by hand: the CLI still never prints it raw.
    const config = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8'));
    config.organizations[0].name = 'Acme\u001b[2J\u202e';
    await writeFile(join(dataDir, 'config.json'), JSON.stringify(config));
    for (const json of [false, true]) {
      const listed = await runFerry([
        '--data-dir',
        dataDir,
        ...(json ? ['--json'] : []),
        'org',
        'list',
      ]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).not.toContain('\u001b');
      expect(listed.stdout).not.toContain('\u202e');
      expect(listed.stdout).toContain('Acme\\u001b[2J\\u202e');
      if (json) expect(JSON.parse(listed.stdout)[0].name).toBe('Acme\u001b[2J\u202e');
    }
  });

  it('jobs --limit over 100 fetches page after page (the API gives at most 100 a call)', async () => {
    const dataDir = await seeded();
    const store = await JobsStore.open(dataDir, () => {});
    for (let n = 0; n < 250; n++) {
      const hour = new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString().slice(0, 13);
      await store.put(jobRecord({ id: `j_${String(n).padStart(6, '0')}`, hour }));
    }
    await store.close();
    const listed = await runFerry(['--data-dir', dataDir, '--json', 'jobs', '--limit', '150']);
    expect(listed.code, listed.stderr).toBe(0);
    const page = JSON.parse(listed.stdout) as { items: { id: string }[]; total: number };
    expect(page.total).toBe(250);
    expect(page.items.map((j) => j.id)).toEqual(
      Array.from({ length: 150 }, (_, i) => `j_${String(249 - i).padStart(6, '0')}`),
    );
    const text = await runFerry(['--data-dir', dataDir, 'jobs', '--limit', '120']);
    expect(text.stdout).toMatch(/\(120 of 250; use --limit to see more\)/);
    const bad = await runFerry(['--data-dir', dataDir, 'jobs', '--limit', '0']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'ferry: --limit: How many jobs must be a whole number from 1\n',
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

  it('adds a project only when told where its events come from: never demo events by default', async () => {
    const env = { FERRY_DATA_DIR: await newDir() };
    expect((await runFerry(['org', 'add', '--id', '123', '--name', 'Acme'], env)).code).toBe(0);
    const silent = await runFerry(
      ['project', 'add', '--id', '7', '--org', '123', '--name', 'W'],
      env,
    );
    expect(silent).toMatchObject({ code: 2 });
    expect(silent.stderr).toMatch(
      /^ferry: --source: Say where its events come from: .*--source demo/,
    );
    const listed = await runFerry(['--json', 'project', 'list', '--org', '123'], env);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    const demo = ['project', 'add', '--id', '7', '--org', '123', '--name', 'W', '--source', 'demo'];
    expect((await runFerry(demo, env)).code).toBe(0);
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
      // Changes go to the running console (test/integration/cli-remote.test.ts), and reading
      // works while it runs.
      expect(
        (await runFerry(['--data-dir', dataDir, 'org', 'add', '--id', '1', '--name', 'A'])).code,
      ).toBe(0);
      const orgs = await runFerry(['--data-dir', dataDir, '--json', 'org', 'list']);
      expect(JSON.parse(orgs.stdout)).toMatchObject([{ id: 1, name: 'A' }]);
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

/** The entries of `values` whose names `like` has. */
function pick(values: Record<string, unknown>, like: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => name in like));
}
