import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry, startServe } from '../support/ferry';
import { startPostgres, type Postgres } from '../support/postgres';
import { useTempDirs } from '../support/temp';

// People's tokens with roles, and the audit log, on a real PostgreSQL through `ferry serve`.
const newDir = useTempDirs();
let server: Postgres;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server?.stop());

describe('team mode: tokens, roles and the audit log', () => {
  it('lets each role do what it may, refuses and audits the rest, and refuses a revoked token at once', async () => {
    const env = { FERRY_DATA_DIR: await newDir(), FERRY_DATABASE_URL: await server.database() };
    const ferry = (...args: string[]) => runFerry(args, env);
    const token = async (name: string, role: string) => {
      const made = await ferry('--json', 'team', 'token', 'add', '--name', name, '--role', role);
      expect(made.code, made.stderr).toBe(0);
      return (JSON.parse(made.stdout) as { token: string }).token;
    };
    const viewer = await token('vera', 'viewer');
    const operator = await token('otto', 'operator');
    const admin = await token('ada', 'admin');
    expect(
      (await ferry('team', 'token', 'add', '--name', 'vera', '--role', 'admin')).stderr,
    ).toMatch(/A token named "vera" exists already/);
    expect((await ferry('team', 'token', 'add', '--name', 'x', '--role', 'root')).stderr).toMatch(
      /Role must be one of viewer, operator, admin/,
    );
    const listed = await ferry('team', 'token', 'list');
    expect(listed.stdout).toMatch(/vera\s+viewer/);
    expect(listed.stdout).not.toContain(viewer.slice(16)); // never a secret

    const serve = await startServe(env.FERRY_DATA_DIR, ['--no-schedule'], env);
    const call = async (bearer: string, method: string, input: unknown = {}) => {
      const res = await fetch(new URL(`/api/${method}`, serve.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(input),
      });
      return { status: res.status, body: (await res.json()) as { error?: { message: string } } };
    };
    try {
      expect((await call(admin, 'orgs.create', { id: 1, name: 'Acme' })).status).toBe(200);
      expect((await call(viewer, 'orgs.list')).status).toBe(200);
      const refused = await call(viewer, 'orgs.create', { id: 2, name: 'Sneaky' });
      expect(refused).toEqual({
        status: 403,
        body: expect.objectContaining({
          error: expect.objectContaining({
            message:
              'vera is a viewer and may not call orgs.create: viewers read, and change nothing. Ask a team admin.',
          }),
        }),
      });
      // Nor inside a batch of reads, which holds no write for anyone (it reaches no engine).
      const batched = await call(viewer, 'batch', {
        calls: [
          { method: 'orgs.create', input: { id: 3, name: 'Batched' } },
          { method: 'orgs.list' },
        ],
      });
      expect(batched.status).toBe(200);
      expect(batched.body).toMatchObject({
        value: [
          { ok: false, error: { code: 'validation' } },
          { ok: true, value: [{ name: 'Acme' }] },
        ],
      });
      expect(
        (await call(operator, 'projects.create', { id: 7, orgId: 1, name: 'Web' })).status,
      ).toBe(403);
      expect((await call('fy_000000000000_' + 'x'.repeat(43), 'orgs.list')).status).toBe(401);

      // Revoked: refused at its very next request.
      expect((await ferry('team', 'token', 'revoke', 'vera')).code).toBe(0);
      expect((await call(viewer, 'orgs.list')).status).toBe(401);
      expect((await call(operator, 'orgs.list')).status).toBe(200);

      const audit = await ferry('--json', 'audit');
      expect(audit.code, audit.stderr).toBe(0);
      const entries = (JSON.parse(audit.stdout) as Record<string, unknown>[]).map(
        ({ who, method, target, result }) => ({ who, method, target, result }),
      );
      // Every write, newest first — and no read.
      expect(entries).toEqual([
        { who: 'otto', method: 'projects.create', target: '7', result: 'refused' },
        { who: 'vera', method: 'orgs.create', target: '2', result: 'refused' },
        { who: 'ada', method: 'orgs.create', target: '1', result: 'ok' },
      ]);
      const refusedOnly = await ferry('audit', '--outcome', 'refused', '--who', 'otto');
      expect(refusedOnly.stdout).toMatch(/otto\s+projects\.create\s+7\s+refused/);
      expect(refusedOnly.stdout).not.toMatch(/vera|ada/);

      // The console's page of it: anyone may read it, filtered and paged by the log's order.
      type Page = {
        entries: { who: string; seq: number }[];
        next: number | null;
        people: string[];
      };
      const page = async (input: object) => {
        const answer = await call(operator, 'audit.list', input);
        expect(answer.status).toBe(200);
        return (answer.body as unknown as { value: Page }).value;
      };
      const first = await page({ limit: 2 });
      expect(first.entries.map((e) => e.who)).toEqual(['otto', 'vera']);
      expect(first.people).toEqual(['ada', 'otto', 'vera']);
      const second = await page({ limit: 2, before: first.next });
      expect(second).toMatchObject({ entries: [{ who: 'ada' }], next: null });
      expect((await page({ outcome: 'ok' })).entries.map((e) => e.who)).toEqual(['ada']);
      expect((await page({ who: 'vera' })).entries.map((e) => e.who)).toEqual(['vera']);
      expect((await page({ outcome: 'failed' })).entries).toEqual([]);
      // Reading the log is not a write: it leaves no entry of its own.
      expect((await page({})).entries).toHaveLength(3);

      const orgs = await call(admin, 'orgs.list');
      expect(
        (orgs.body as unknown as { value: { name: string }[] }).value.map((o) => o.name),
      ).toEqual(['Acme']);
    } finally {
      await serve.stop();
    }
  });
});
