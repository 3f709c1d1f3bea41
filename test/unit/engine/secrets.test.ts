import { mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project } from '../../../shared/model/entities';
import type { Job } from '../../../shared/model/jobs';
import { startAmplitudeServer, type Reply } from '../../support/amplitude-server';
import { event, ndjson } from '../../support/events';
import { callServe, runFerry, startServe } from '../../support/ferry';
import { useTempDirs } from '../../support/temp';

const newDir = useTempDirs();
const HOUR = '2020-01-25T05';
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const zip = (hour = HOUR): Reply => ({
  zip: {
    [`187520/187520_${hour.slice(0, 10)}_5#1.json.gz`]: ndjson(
      Array.from({ length: 20 }, (_, n) => event(hour, n)),
    ),
  },
});

async function stub(replies: Reply[]) {
  const server = await startAmplitudeServer(replies);
  servers.push(server);
  return server;
}

/** `ferry project add` for an Amplitude project behind `url`, its secret from AMP_SECRET. */
const addAmplitude = (id: number, name: string, apiKey: string, url: string) => [
  ...['project', 'add', '--id', String(id), '--org', '123', '--name', name],
  ...['--source', 'amplitude', '--api-key', apiKey, '--amplitude-endpoint', url],
  ...['--secret-key-env', 'AMP_SECRET'],
];

/** A data folder with org 123 and Amplitude project 187520 (secret "secret-1") behind `url`. */
async function amplitudeProject(url: string) {
  const dataDir = await newDir();
  const out = await newDir();
  const env = {
    FERRY_DATA_DIR: dataDir,
    FERRY_CLOCK_START: '2026-02-10T00:00:00Z',
    // Retry waits pass 3,600 times faster; their order and outcome are the same.
    FERRY_CLOCK_SCALE: '3600',
    AMP_SECRET: 'secret-1',
  };
  const ok = async (...args: string[]) => {
    const result = await runFerry(args, env);
    expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(0);
    return result;
  };
  await ok('org', 'add', '--id', '123', '--name', 'Acme');
  await ok(...addAmplitude(187520, 'Web', 'key-1', url));
  await ok(
    ...['connection', 'add', '--name', 'amp', '--project', '187520', '--folder', out],
    ...['--settle-minutes', '0', '--access-tries', '1'],
  );
  const ferry = (...args: string[]) => runFerry(args, env);
  const project = async (id = 187520) =>
    JSON.parse((await ok('--json', 'project', 'show', String(id))).stdout) as Project;
  return { dataDir, out, env, ok, ferry, project };
}

/** Every file under a folder, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(path)));
    else found.push(path);
  }
  return found;
}

describe('secrets', () => {
  it('a damaged secrets.json is moved aside, never wiped, and the projects that lost their key are named', async () => {
    const server = await stub([zip()]);
    const t = await amplitudeProject(server.url);
    await t.ok(...addAmplitude(187521, 'App', 'key-2', server.url));
    const secrets = join(t.dataDir, 'secrets.json');
    await truncate(secrets, 40);
    const damaged = await readFile(secrets);

    // Adding a third project's key must not write over what is left of the first two.
    const added = await t.ferry(...addAmplitude(187522, 'Mobile', 'key-3', server.url));
    expect(added.code, added.stderr).toBe(0);
    const aside = (await readdir(t.dataDir)).filter((n) => n.startsWith('secrets.json.damaged-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(t.dataDir, aside[0]!))).toEqual(damaged);
    expect(Object.keys(JSON.parse(await readFile(secrets, 'utf8')).secrets)).toEqual([
      'amplitude-secret-key:187522',
    ]);
    expect((await stat(secrets)).mode & 0o777).toBe(0o600);

    // Every later command says which keys to enter again, and the projects say "missing".
    const listed = await t.ferry('project', 'list');
    expect(listed.stderr).toMatch(
      /ferry: warning: Enter the Amplitude secret key again for "App" \(187521\), "Web" \(187520\): their exports fail until then/,
    );
    expect((await t.project(187520)).secretKeyStored).toBe(false);
    expect((await t.project(187521)).secretKeyStored).toBe(false);
    expect((await t.project(187522)).secretKeyStored).toBe(true);
    const exported = await t.ferry('export', 'amp', '--hour', HOUR);
    expect(exported.code).toBe(1);
    expect(exported.stdout + exported.stderr).toMatch(/has no Amplitude secret key stored here/);
    expect(server.requests).toHaveLength(0);
  });

  it('a secret that can not be written leaves no project claiming one', async () => {
    const server = await stub([zip()]);
    const t = await amplitudeProject(server.url);
    const before = await readFile(join(t.dataDir, 'config.json'), 'utf8');
    // secrets.json replaced by a folder: neither readable nor writable as a file.
    await rm(join(t.dataDir, 'secrets.json'));
    await mkdir(join(t.dataDir, 'secrets.json'));
    const failed = await t.ferry(...addAmplitude(187529, 'Nope', 'key-9', server.url));
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(
      /\nferry: The secret store .*secrets\.json can not be read \(EISDIR\), so no secret was read or changed\./,
    );
    const config = JSON.parse(await readFile(join(t.dataDir, 'config.json'), 'utf8'));
    expect(config.projects.map((p: Project) => p.id)).toEqual([187520]);
    expect(JSON.parse(before).projects).toEqual(config.projects);
  });

  it('a stored secret key only goes to the address it was given for', async () => {
    const first = await stub([zip()]);
    const other = await stub([zip()]);
    const t = await amplitudeProject(first.url);
    const otherUrl = other.url.replace('127.0.0.1', 'localhost');

    // Changing the endpoint without the key is refused, and nothing changes.
    const moved = await t.ferry('project', 'update', '187520', '--amplitude-endpoint', otherUrl);
    expect(moved.code).toBe(2);
    expect(moved.stderr).toBe(
      `ferry: --secret-key-stdin or --secret-key-env: The Amplitude address changes from ${first.url} to ${new URL(otherUrl).origin}: enter the secret key again. Ferry sends a stored secret key only to the address it was given for.\n`,
    );
    expect((await t.project()).source).toMatchObject({ endpoint: first.url });
    await t.ok('export', 'amp', '--hour', HOUR);
    expect(first.requests).toHaveLength(1);

    // config.json edited by hand (or by an older Ferry): the key is still not sent there.
    const configPath = join(t.dataDir, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    config.projects[0].source.endpoint = otherUrl;
    await writeFile(configPath, JSON.stringify(config));
    const refused = await t.ferry('export', 'amp', '--hour', HOUR);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Enter the Amplitude secret key again for "Web" \(187520\)/);
    expect(other.requests).toHaveLength(0);

    // With the key given again for the new address, it goes there.
    await t.ok(
      ...['project', 'update', '187520', '--amplitude-endpoint', otherUrl],
      ...['--secret-key-env', 'AMP_SECRET'],
    );
    await t.ok('export', 'amp', '--hour', HOUR);
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]!.authorization).toBe(
      `Basic ${Buffer.from('key-1:secret-1').toString('base64')}`,
    );
  });

  it('a secret from the environment goes only to the address configured when Ferry started', async () => {
    const first = await stub([zip()]);
    const other = await stub([zip()]);
    const t = await amplitudeProject(first.url);
    const env = { ...t.env, FERRY_SECRET_AMPLITUDE_SECRET_KEY_187520: 'env-secret-9' };
    const basic = (secret: string) => `Basic ${Buffer.from(`key-1:${secret}`).toString('base64')}`;
    const server = await startServe(t.dataDir, ['--no-schedule'], env);
    try {
      expect((await runFerry(['export', 'amp', '--hour', HOUR], env)).code).toBe(0);
      expect(first.requests.map((r) => r.authorization)).toEqual([basic('env-secret-9')]);

      // The address changes while Ferry runs: the environment's secret is not sent there.
      await callServe(server, 'projects.update', {
        id: 187520,
        source: { type: 'amplitude', region: 'us', apiKey: 'key-1', endpoint: other.url },
        secretKey: 'secret-2',
      });
      const refused = await runFerry(['export', 'amp', '--hour', HOUR], env);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(
        /FERRY_SECRET_AMPLITUDE_SECRET_KEY_187520 was given for http:\/\/127\.0\.0\.1:\d+ when Ferry started, not http:\/\/127\.0\.0\.1:\d+/,
      );
      expect(other.requests).toHaveLength(0);
    } finally {
      await server.stop();
    }
    // Started again with the new address configured: that is where it goes.
    expect((await runFerry(['export', 'amp', '--hour', HOUR], env)).code).toBe(0);
    expect(other.requests.map((r) => r.authorization)).toEqual([basic('env-secret-9')]);
  });

  it('refuses to send Amplitude keys over plain http to another computer', async () => {
    const server = await stub([zip()]);
    const t = await amplitudeProject(server.url);
    const result = await t.ferry(
      ...['project', 'update', '187520', '--amplitude-endpoint', 'http://amplitude.example.com'],
      ...['--secret-key-env', 'AMP_SECRET'],
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^ferry: --amplitude-endpoint: Use https:\/\/ — the API key and secret key would cross the network in clear/,
    );
  });

  it('an upstream answer that echoes the request headers leaves no credential anywhere', async () => {
    const server = await stub([{ echo: true }]);
    const t = await amplitudeProject(server.url);
    const exported = await t.ferry('export', 'amp', '--hour', HOUR);
    expect(exported.code).toBe(1);
    const listed = await t.ferry('--json', 'jobs', 'amp');
    const job = (JSON.parse(listed.stdout) as { items: Job[] }).items[0]!;
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/HTTP 500.*\[redacted\]/);

    const secrets = [
      'secret-1',
      Buffer.from('key-1:secret-1').toString('base64'),
      Buffer.from('secret-1').toString('base64').replace(/=+$/, ''),
    ];
    const seen: Record<string, string> = {
      'ferry export (stdout)': exported.stdout,
      'ferry export (stderr)': exported.stderr,
      'ferry jobs': listed.stdout,
    };
    // Every file of the data folder but the secret store itself.
    for (const file of await filesUnder(t.dataDir))
      if (!file.endsWith('secrets.json')) seen[file] = await readFile(file, 'latin1');
    expect(Object.keys(seen).length).toBeGreaterThan(4);
    for (const [where, text] of Object.entries(seen))
      for (const secret of secrets) expect(text, `${where} holds ${secret}`).not.toContain(secret);
    expect((await stat(t.dataDir)).mode & 0o077).toBe(0);
  });
});
