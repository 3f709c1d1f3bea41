import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine';
import { startServer, type RunningServer } from '../../../electron/server';
import { pickEncodings } from '../../../electron/server/static-files';
import { openTestEngine } from '../../support/engine';
import { useTempDirs } from '../../support/temp';

const newDir = useTempDirs();
let server: RunningServer | null = null;
let engine: Engine | null = null;
/** The console folder of the last server started. */
let consoleDir = '';

afterEach(async () => {
  await server?.close();
  await engine?.close();
  server = engine = null;
});

async function start(): Promise<RunningServer> {
  const dataDir = await newDir();
  const staticDir = join(dataDir, 'renderer');
  consoleDir = staticDir;
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Ferry</title>');
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  // The build's precompressed twins (vite-plugin-compression2), marked so the test sees which.
  await writeFile(join(staticDir, 'assets', 'app.js.br'), brotliCompressSync('console.log("br")'));
  await writeFile(join(staticDir, 'assets', 'app.js.gz'), gzipSync('console.log("gz")'));
  await writeFile(join(dataDir, 'secret.txt'), 'do not serve');
  engine = await openTestEngine(join(dataDir, 'data'));
  server = await startServer({ engine, staticDir });
  return server;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  raw: Buffer;
}

/** A raw HTTP request, so Host and Origin can be set to anything (fetch forbids that). */
function send(
  s: RunningServer,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: String(raw), raw });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const call = (
  s: RunningServer,
  method: string,
  input: unknown,
  headers: Record<string, string> = {},
) =>
  send(s, `/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${s.token}`, ...headers },
    body: JSON.stringify(input),
  });

describe('the headless console server', () => {
  it('listens on 127.0.0.1 on a random port with a fresh token in its URL', async () => {
    const s = await start();
    expect(s.url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${s.port}/\\?token=[A-Za-z0-9_-]{32}$`),
    );
    const other = await startServer({ engine: engine!, staticDir: '/nonexistent' });
    expect(other.token).not.toBe(s.token);
    expect(other.port).not.toBe(s.port);
    await other.close();
  });

  it('answers API calls that carry the token', async () => {
    const s = await start();
    const created = await call(s, 'orgs.create', { id: 5, name: 'Acme' });
    expect(created.status).toBe(200);
    expect(JSON.parse(created.body)).toMatchObject({ ok: true, value: { id: 5, name: 'Acme' } });
    const info = JSON.parse((await call(s, 'app.info', undefined)).body);
    expect(info.value).toMatchObject({ name: 'Ferry', transport: 'cli' });
  });

  it('answers several reads in one request, and no write among them', async () => {
    const s = await start();
    await call(s, 'orgs.create', { id: 5, name: 'Acme' });
    const batch = await call(s, 'batch', {
      calls: [
        { method: 'orgs.list' },
        { method: 'orgs.create', input: { id: 6, name: 'Sneaky' } },
        { method: 'no.such' },
        { method: 'app.info' },
      ],
    });
    expect(batch.status).toBe(200);
    const [orgs, create, unknown, info] = (
      JSON.parse(batch.body) as { value: { ok: boolean; value?: unknown; error?: unknown }[] }
    ).value;
    expect(orgs).toEqual(JSON.parse((await call(s, 'orgs.list', undefined)).body));
    expect(create).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(info).toMatchObject({ ok: true, value: { name: 'Ferry' } });
    expect(JSON.parse((await call(s, 'orgs.list', undefined)).body).value).toHaveLength(1);
    // Not a batch: refused whole, with the HTTP status of a bad request; no token: 401.
    expect((await call(s, 'batch', { calls: [] })).status).toBe(400);
    const refused = await call(
      s,
      'batch',
      { calls: [{ method: 'orgs.list' }] },
      {
        Authorization: 'Bearer wrong',
      },
    );
    expect(refused.status).toBe(401);
  });

  it('refuses API calls without the token, or with a wrong one, with 401', async () => {
    const s = await start();
    const without = await send(s, '/api/orgs.list', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(without.status).toBe(401);
    expect(JSON.parse(without.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect((await call(s, 'orgs.list', undefined, { Authorization: 'Bearer wrong' })).status).toBe(
      401,
    );
    expect((await send(s, '/api/events')).status).toBe(401);
    expect((await send(s, `/api/events?token=nope`)).status).toBe(401);
  });

  it('takes the token from the query string for the event stream only, never for a call', async () => {
    const s = await start();
    const viaQuery = await send(s, `/api/orgs.create?token=${s.token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 6, name: 'Sneaky' }),
    });
    expect(viaQuery.status).toBe(401);
    expect(JSON.parse((await call(s, 'orgs.list', undefined)).body).value).toEqual([]);
    // The page itself needs no token; the stream may carry it in the URL.
    expect((await send(s, `/?token=${s.token}`)).status).toBe(200);
  });

  it('answers a malformed URL with 400, not a server error', async () => {
    const s = await start();
    for (const path of ['/api/%E0%A4%A', '/%E0%A4%A', '/api/orgs.list%ZZ'])
      expect((await call(s, path.slice('/api/'.length), undefined)).status, path).toBe(400);
    expect((await send(s, '/%E0%A4%A')).status).toBe(400);
  });

  it('refuses a foreign Host (DNS rebinding) with 403, even with the token', async () => {
    const s = await start();
    const reply = await call(s, 'orgs.list', undefined, { Host: `evil.example:${s.port}` });
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body).error.message).toMatch(
      /Host "evil.example:\d+" is not this Ferry console/,
    );
    expect((await send(s, '/', { headers: { Host: 'evil.example' } })).status).toBe(403);
    expect((await call(s, 'orgs.list', undefined, { Host: `localhost:${s.port}` })).status).toBe(
      200,
    );
  });

  it('refuses a foreign Origin (cross-site requests) with 403, even with the token', async () => {
    const s = await start();
    expect(
      (await call(s, 'orgs.create', { id: 9, name: 'X' }, { Origin: 'https://evil.example' }))
        .status,
    ).toBe(403);
    expect(
      (await call(s, 'orgs.list', undefined, { Origin: `http://127.0.0.1:${s.port + 1}` })).status,
    ).toBe(403);
    expect((await call(s, 'orgs.list', undefined, { Origin: 'null' })).status).toBe(403);
    expect((await call(s, 'orgs.list', undefined, { Origin: s.origin })).status).toBe(200);
    expect(JSON.parse((await call(s, 'orgs.list', undefined)).body).value).toEqual([]);
  });

  it('maps engine errors to HTTP statuses and keeps their typed body', async () => {
    const s = await start();
    const bad = await call(s, 'orgs.create', { id: 'abc', name: 'X' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({
      ok: false,
      error: { code: 'validation', field: 'id' },
    });
    expect((await call(s, 'orgs.get', { id: 77 })).status).toBe(404);
    expect((await call(s, 'nope.nope', {})).status).toBe(404);
    const notJson = await send(s, '/api/orgs.list', {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(notJson.status).toBe(415);
  });

  it('serves the console with a strict CSP, falls back to index.html for routes, and stays in its folder', async () => {
    const s = await start();
    const index = await send(s, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toMatch(
      /default-src 'self'.*script-src 'self'/,
    );
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect((await send(s, '/connections/abc')).body).toContain('<title>Ferry</title>');
    const asset = await send(s, '/assets/app.js');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await send(s, '/assets/missing.js')).status).toBe(404);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt'])
      expect((await send(s, path)).body, path).not.toContain('do not serve');
  });

  it.runIf(process.platform === 'linux')(
    'cuts short an asset it can not read, and goes on serving',
    async () => {
      const s = await start();
      // A "file" whose every read fails (EIO): /proc/self/mem, which stat calls a file.
      await symlink('/proc/self/mem', join(consoleDir, 'assets', 'unreadable.js'));
      await send(s, '/assets/unreadable.js').catch(() => undefined);
      expect((await send(s, '/assets/app.js')).body).toBe('console.log(1)');
    },
  );

  it('sends an asset precompressed as the browser accepts it, the page itself never', async () => {
    const s = await start();
    const accept = (value: string) => ({ headers: { 'Accept-Encoding': value } });
    const br = await send(s, '/assets/app.js', accept('gzip, deflate, br, zstd'));
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['cache-control']).toMatch(/immutable/);
    expect(Number(br.headers['content-length'])).toBe(br.raw.length);
    expect(String(brotliDecompressSync(br.raw))).toBe('console.log("br")');
    const gz = await send(s, '/assets/app.js', accept('gzip'));
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(String(gunzipSync(gz.raw))).toBe('console.log("gz")');
    const plain = await send(s, '/assets/app.js', accept('br;q=0, identity'));
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe('console.log(1)');
    expect((await send(s, '/assets/app.js')).body).toBe('console.log(1)');
    const head = await send(s, '/assets/app.js', { method: 'HEAD', ...accept('br') });
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.raw.length).toBe(0);
    const page = await send(s, '/', accept('br, gzip'));
    expect(page.headers['content-encoding']).toBeUndefined();
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('reads Accept-Encoding by q-value, br first on a tie, q=0 as a refusal', () => {
    expect(pickEncodings(undefined)).toEqual([]);
    expect(pickEncodings('')).toEqual([]);
    expect(pickEncodings('gzip, deflate, br')).toEqual(['br', 'gzip']);
    expect(pickEncodings('br;q=0.5, gzip;q=0.9')).toEqual(['gzip', 'br']);
    expect(pickEncodings('br;q=0, gzip')).toEqual(['gzip']);
    expect(pickEncodings('GZIP ; q=1')).toEqual(['gzip']);
    expect(pickEncodings('*')).toEqual(['br', 'gzip']);
    expect(pickEncodings('*;q=0.1, gzip;q=0')).toEqual(['br']);
    expect(pickEncodings('identity')).toEqual([]);
    expect(pickEncodings('br;q=nonsense')).toEqual([]);
  });

  it('streams pushed events to the browser as server-sent events', async () => {
    const s = await start();
    const received = new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: s.port, path: `/api/events?token=${s.token}` },
        (res) => {
          expect(res.headers['content-type']).toMatch(/text\/event-stream/);
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            const data = buffer.split('\n').find((line) => line.startsWith('data: '));
            if (data) {
              resolve(data.slice(6));
              req.destroy();
            }
          });
          void call(s, 'orgs.create', { id: 8, name: 'Pushed' });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(await received)).toEqual({
      type: 'entity.changed',
      entity: 'organization',
      id: 8,
      change: 'created',
    });
  });
});
