import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PushEvent } from '../../../shared/api/events';
import { openTestEngine, seedCatalog } from '../../support/engine';
import { useTempDirs } from '../../support/temp';

const newDir = useTempDirs();

describe('the catalog through the API contract', () => {
  it('creates, lists, updates and reopens organizations, projects and connections', async () => {
    const dataDir = await newDir();
    const engine = await openTestEngine(dataDir);
    const conn = await seedCatalog(engine);
    expect(conn).toMatchObject({
      id: expect.stringMatching(/^cn_[a-z0-9]{8}$/),
      enabled: false,
      datasets: ['events'],
    });
    await engine.call('connections.update', {
      id: 'CONN-187520',
      enabled: true,
      datasets: ['merged-ids', 'events'],
    });
    await engine.close();

    const again = await openTestEngine(dataDir);
    expect(await again.call('orgs.list')).toMatchObject([{ id: 123, name: 'Org 123' }]);
    expect(await again.call('projects.list', { orgId: '123' })).toMatchObject([
      { id: 187520, kind: 'standard', source: { type: 'demo' } },
    ]);
    expect(await again.call('connections.get', { id: conn.id })).toMatchObject({
      enabled: true,
      datasets: ['events', 'merged-ids'],
      destination: { bucket: 'acme-export', prefix: 'amplitude/' },
    });
    await again.close();
  });

  it('answers bad input with a typed validation error naming every field', async () => {
    const engine = await openTestEngine(await newDir());
    const result = await engine.dispatch('connections.create', {
      name: '',
      projectId: 'abc',
      destination: { type: 's3', bucket: 'No_Good', region: 'mars', profile: 'default' },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'validation', field: 'name' } });
    if (result.ok) throw new Error('unreachable');
    expect(Object.keys(result.error.fields ?? {}).sort()).toEqual([
      'destination.bucket',
      'destination.region',
      'name',
      'projectId',
    ]);
    expect(JSON.stringify(result)).not.toMatch(/at .*\.ts:\d+/);
    await engine.close();
  });

  it('refuses a Region AWS does not have, unless the bucket is on another S3-compatible store', async () => {
    const engine = await openTestEngine(await newDir());
    await engine.call('orgs.create', { id: 1, name: 'Acme' });
    await engine.call('projects.create', { id: 7, orgId: 1, name: 'Web' });
    const s3 = { type: 's3' as const, bucket: 'acme', profile: 'default', prefix: 'a/' };
    const wrong = await engine.dispatch('connections.create', {
      name: 'typo',
      projectId: 7,
      destination: { ...s3, region: 'us-east-9' },
    });
    expect(wrong).toMatchObject({
      ok: false,
      error: {
        code: 'validation',
        field: 'destination.region',
        message: expect.stringMatching(/^us-east-9 is not an AWS Region\. Did you mean us-east-1/),
      },
    });
    const keyElsewhere = await engine.dispatch('connections.create', {
      name: 'key-elsewhere',
      projectId: 7,
      destination: {
        ...s3,
        region: 'us-east-1',
        kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
    });
    expect(keyElsewhere).toMatchObject({
      ok: false,
      error: {
        code: 'validation',
        field: 'destination.kmsKeyArn',
        message: expect.stringMatching(
          /^The KMS key is in eu-west-1, but the bucket is in us-east-1/,
        ),
      },
    });
    const minio = await engine.call('connections.create', {
      name: 'minio',
      projectId: 7,
      destination: { ...s3, region: 'eu-lab-1', endpoint: 'http://127.0.0.1:9000' },
    });
    // Stored before the rule: still opens, still changes (only a new destination is checked).
    await engine.call('connections.update', { id: minio.id, enabled: true });
    await engine.close();
  });

  it('refuses a files source whose folder is not there or is a file', async () => {
    const dir = await newDir();
    const engine = await openTestEngine(dir);
    await engine.call('orgs.create', { id: 1, name: 'Acme' });
    const files = (path: string) => ({ type: 'files' as const, path });
    const add = (id: number, path: string) =>
      engine.dispatch('projects.create', { id, orgId: 1, name: `P${id}`, source: files(path) });
    expect(await add(7, '/nonexistent/path')).toMatchObject({
      ok: false,
      error: {
        code: 'validation',
        field: 'source.path',
        message: 'There is no folder /nonexistent/path',
      },
    });
    await writeFile(join(dir, 'a-file'), 'x');
    expect(await add(7, join(dir, 'a-file'))).toMatchObject({
      ok: false,
      error: { field: 'source.path', message: `${join(dir, 'a-file')} is a file, not a folder` },
    });
    expect(await add(7, dir)).toMatchObject({ ok: true });
    expect(
      await engine.dispatch('projects.update', { id: 7, source: files('/nonexistent/path') }),
    ).toMatchObject({ ok: false, error: { field: 'source.path' } });
    await engine.close();
  });

  it('keeps a files source and a folder destination apart: neither inside the other', async () => {
    const engine = await openTestEngine(await newDir());
    await engine.call('orgs.create', { id: 1, name: 'Acme' });
    const source = await newDir();
    const elsewhere = await newDir();
    const files = (path: string) => ({ type: 'files' as const, path });
    const folder = (path: string) => ({ type: 'folder', path, permissions: 'owner' }) as const;
    await engine.call('projects.create', { id: 7, orgId: 1, name: 'Web', source: files(source) });
    await engine.call('projects.create', { id: 8, orgId: 1, name: 'App' });
    const connect = (name: string, projectId: number, path: string) =>
      engine.dispatch('connections.create', { name, projectId, destination: folder(path) });
    const overlap = (conn: string, path: string, field: string) => ({
      ok: false,
      error: {
        code: 'validation',
        field,
        message: `Connection "${conn}" exports to ${path}, and project "Web" reads its events from ${source}: one folder is inside the other, so the project would read exported files back as new events. Keep the exports and the source in separate folders.`,
      },
    });
    // Its own exports read back on the next run; another project's read as this one's.
    const inside = join(source, 'out');
    expect(await connect('own', 7, inside)).toMatchObject(
      overlap('own', inside, 'destination.path'),
    );
    expect(await connect('other', 8, source)).toMatchObject(
      overlap('other', source, 'destination.path'),
    );
    const { id } = await engine.call('connections.create', {
      name: 'apart',
      projectId: 7,
      destination: folder(join(elsewhere, 'out')),
    });
    expect(
      await engine.dispatch('connections.update', { id, destination: folder(inside) }),
    ).toMatchObject(overlap('apart', inside, 'destination.path'));
    // The source moved over the exports is refused too, and the project keeps its folder.
    expect(
      await engine.dispatch('projects.update', { id: 7, source: files(elsewhere) }),
    ).toMatchObject({
      ok: false,
      error: {
        field: 'source.path',
        message: expect.stringContaining(`reads its events from ${elsewhere}`),
      },
    });
    expect(await engine.call('projects.get', { id: 7 })).toMatchObject({ source: files(source) });
    await engine.close();
  });

  it('refuses unknown methods and duplicate ids', async () => {
    const engine = await openTestEngine(await newDir());
    expect(await engine.dispatch('orgs.explode', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
    await engine.call('orgs.create', { id: 1, name: 'A' });
    expect(await engine.dispatch('orgs.create', { id: '1', name: 'B' })).toMatchObject({
      ok: false,
      error: { code: 'conflict', field: 'id', message: 'Organization ID 1 is already used by "A"' },
    });
    await engine.close();
  });

  it('refuses portfolio projects as sources', async () => {
    const engine = await openTestEngine(await newDir());
    await engine.call('orgs.create', { id: 1, name: 'A' });
    await engine.call('projects.create', { id: 10, orgId: 1, name: 'All apps', kind: 'portfolio' });
    const result = await engine.dispatch('connections.create', {
      name: 'x',
      projectId: 10,
      destination: { type: 'folder', path: join(await newDir(), 'x') },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'validation', field: 'projectId' } });
    expect(JSON.stringify(result)).toMatch(/portfolio projects can not be export sources/);
    await engine.close();
  });

  it('refuses the JSON table on a folder connection, made or changed so, and keeps it as it was', async () => {
    const engine = await openTestEngine(await newDir());
    await engine.call('orgs.create', { id: 1, name: 'A' });
    await engine.call('projects.create', { id: 10, orgId: 1, name: 'Web' });
    const destination = { type: 'folder', path: join(await newDir(), 'x') } as const;
    const refused = {
      ok: false,
      error: { code: 'validation', field: 'options.jsonTable' },
    };
    expect(
      await engine.dispatch('connections.create', {
        name: 'x',
        projectId: 10,
        destination,
        options: { jsonTable: true },
      }),
    ).toMatchObject(refused);
    const made = await engine.call('connections.create', { name: 'x', projectId: 10, destination });
    const result = await engine.dispatch('connections.update', {
      id: made.id,
      options: { jsonTable: true },
    });
    expect(result).toMatchObject(refused);
    expect(JSON.stringify(result)).toMatch(/A Glue table reads S3 only/);
    expect((await engine.call('connections.get', { id: made.id })).options.jsonTable).toBe(false);
    await engine.close();
  });

  it('refuses turning a connected project into a portfolio', async () => {
    const engine = await openTestEngine(await newDir());
    await seedCatalog(engine);
    expect(
      await engine.dispatch('projects.update', { id: 187520, kind: 'portfolio' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'conflict', field: 'kind' },
    });
    await engine.close();
  });

  it('binds a bucket to one organization', async () => {
    const engine = await openTestEngine(await newDir());
    await seedCatalog(engine, { orgId: 1, projectId: 11, bucket: 'shared-bucket' });
    await engine.call('orgs.create', { id: 2, name: 'Globex' });
    await engine.call('projects.create', { id: 22, orgId: 2, name: 'Globex web' });
    const result = await engine.dispatch('connections.create', {
      name: 'globex',
      projectId: 22,
      destination: { type: 's3', bucket: 'shared-bucket', region: 'us-east-1', profile: 'default' },
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'conflict', field: 'destination.bucket' },
    });
    expect(!result.ok && result.error.message).toMatch(
      /already bound to organization "Org 1" \(ID 1\)/,
    );

    // The same organization may put many projects in one bucket.
    await engine.call('projects.create', { id: 12, orgId: 1, name: 'Second' });
    await expect(
      engine.call('connections.create', {
        name: 'second',
        projectId: 12,
        destination: {
          type: 's3',
          bucket: 'shared-bucket',
          region: 'us-east-1',
          profile: 'default',
        },
      }),
    ).resolves.toMatchObject({ projectId: 12 });
    await engine.close();
  });

  it('refuses a second connection writing the same project to the same place', async () => {
    const engine = await openTestEngine(await newDir());
    await seedCatalog(engine);
    const result = await engine.dispatch('connections.create', {
      name: 'copy',
      projectId: 187520,
      destination: {
        type: 's3',
        bucket: 'acme-export',
        region: 'us-east-1',
        prefix: 'amplitude',
        profile: 'other',
      },
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'conflict', field: 'destination.prefix' },
    });
    await engine.close();
  });

  it('refuses a folder destination in the data folder itself or its own sub-folders', async () => {
    const dataDir = await newDir();
    const engine = await openTestEngine(dataDir);
    const conn = await seedCatalog(engine);
    const folder = (path: string) => ({ type: 'folder', path, permissions: 'owner' }) as const;
    const create = (name: string, path: string) =>
      engine.dispatch('connections.create', {
        name,
        projectId: 187520,
        destination: folder(path),
      });
    const said = (path: string, where: string) => ({
      ok: false,
      error: {
        code: 'validation',
        field: 'destination.path',
        message: `${path} ${where}, which holds its settings, job history and policy backups. Choose a folder of its own for the exports.`,
      },
    });
    expect(await create('root', dataDir)).toMatchObject(said(dataDir, "is Ferry's data folder"));
    const jobs = join(dataDir, 'jobs', 'out');
    expect(await create('jobs', jobs)).toMatchObject(
      said(jobs, `is inside the jobs/ folder of Ferry's data folder (${dataDir})`),
    );
    // Written another way, it is the same folder.
    const backups = `${dataDir}/x/../backups`;
    expect(await create('backups', backups)).toMatchObject({
      ok: false,
      error: { field: 'destination.path', message: expect.stringContaining('backups/ folder') },
    });
    expect(
      await engine.dispatch('connections.update', { id: conn.id, destination: folder(dataDir) }),
    ).toMatchObject(said(dataDir, "is Ferry's data folder"));
    // A folder of its own inside the data folder (as the demo connection has) is fine.
    expect(await create('own', join(dataDir, 'exports'))).toMatchObject({ ok: true });
    await engine.close();
  });

  it('makes a folder destination when the connection is saved, and says why when it can not', async () => {
    const engine = await openTestEngine(await newDir());
    const conn = await seedCatalog(engine);
    const parent = await newDir();
    const folder = (path: string, permissions = 'owner') =>
      ({ type: 'folder', path, permissions }) as const;
    // Exports never make it (an unmounted disk's folder would be made on the disk underneath):
    // saving the connection does, with the mode its files' readers need.
    const made = join(parent, 'a', 'exports');
    expect(
      await engine.dispatch('connections.create', {
        name: 'local',
        projectId: 187520,
        destination: folder(made, 'group'),
      }),
    ).toMatchObject({ ok: true });
    expect((await stat(made)).mode & 0o777).toBe(0o750);
    const moved = join(parent, 'b');
    expect(
      await engine.dispatch('connections.update', { id: conn.id, destination: folder(moved) }),
    ).toMatchObject({ ok: true });
    expect((await stat(moved)).mode & 0o777).toBe(0o700);
    // Enabling a connection makes its folder too (one saved before Ferry made folders on save);
    // a disable never depends on it.
    await rm(moved, { recursive: true });
    await engine.call('connections.update', { id: conn.id, enabled: false });
    await expect(stat(moved)).rejects.toMatchObject({ code: 'ENOENT' });
    await engine.call('connections.update', { id: conn.id, enabled: true });
    expect((await stat(moved)).isDirectory()).toBe(true);

    // A file in the way: a field error, nothing saved.
    const file = join(parent, 'file');
    await writeFile(file, 'x');
    for (const [path, why] of [
      [file, 'a file has that name'],
      [join(file, 'exports'), 'part of the path is a file'],
    ] as const) {
      expect(
        await engine.dispatch('connections.create', {
          name: 'refused',
          projectId: 187520,
          destination: folder(path),
        }),
      ).toMatchObject({
        ok: false,
        error: {
          code: 'validation',
          field: 'destination.path',
          message: `Ferry can not make the folder ${path}: ${why}. Choose a folder Ferry may write to.`,
        },
      });
    }
    expect((await engine.call('connections.list', {})).map((c) => c.name).sort()).toEqual([
      'conn-187520',
      'local',
    ]);
    expect((await readdir(parent)).sort()).toEqual(['a', 'b', 'file']);
    await engine.close();
  });

  it('marks a mount point from the disk, never from what a client sends', async () => {
    const engine = await openTestEngine(await newDir());
    await seedCatalog(engine);
    const path = join(await newDir(), 'exports');
    // A folder on the same disk as its parent: not a mount point, whatever the client says
    // (a false mark would refuse every export while "nothing is mounted" there).
    const conn = await engine.call('connections.create', {
      name: 'local',
      projectId: 187520,
      destination: { type: 'folder', path, permissions: 'owner', mountPoint: true },
    });
    expect(conn.destination).toEqual({ type: 'folder', path, permissions: 'owner' });
    const updated = await engine.call('connections.update', {
      id: conn.id,
      destination: { type: 'folder', path, permissions: 'owner', mountPoint: true },
    });
    expect(updated.destination).toEqual({ type: 'folder', path, permissions: 'owner' });
    await engine.close();
  });

  it('leaves no folder behind when the save that made it is refused', async () => {
    const engine = await openTestEngine(await newDir());
    const conn = await seedCatalog(engine);
    const parent = await newDir();
    const folder = (path: string) => ({ type: 'folder', path, permissions: 'owner' }) as const;
    // Refused by what only the catalog knows, after the folder was made: no such project…
    expect(
      await engine.dispatch('connections.create', {
        name: 'nowhere',
        projectId: 999,
        destination: folder(join(parent, 'new', 'deep', 'exports')),
      }),
    ).toMatchObject({ ok: false, error: { field: 'projectId' } });
    // …or a name another connection has, on a move to a new folder.
    await engine.call('connections.create', {
      name: 'taken',
      projectId: 187520,
      destination: folder(join(parent, 'taken')),
    });
    expect(
      await engine.dispatch('connections.update', {
        id: conn.id,
        name: 'taken',
        destination: folder(join(parent, 'moved', 'exports')),
      }),
    ).toMatchObject({ ok: false, error: { field: 'name' } });
    expect(await readdir(parent)).toEqual(['taken']);
    // A folder that was there before the refused save stays, with what it holds.
    const before = join(parent, 'before');
    await mkdir(join(before, 'empty'), { recursive: true });
    expect(
      await engine.dispatch('connections.create', {
        name: 'taken',
        projectId: 187520,
        destination: folder(join(before, 'empty', 'exports')),
      }),
    ).toMatchObject({ ok: false, error: { field: 'name' } });
    expect(await readdir(before)).toEqual(['empty']);
    expect(await readdir(join(before, 'empty'))).toEqual([]);
    await engine.close();
  });

  it('will not orphan: organizations with projects and projects with connections stay', async () => {
    const engine = await openTestEngine(await newDir());
    const conn = await seedCatalog(engine);
    expect(await engine.dispatch('orgs.delete', { id: 123 })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    expect(await engine.dispatch('projects.delete', { id: 187520 })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    await engine.call('connections.delete', { id: conn.id });
    await engine.call('projects.delete', { id: 187520 });
    await engine.call('orgs.delete', { id: 123 });
    expect(await engine.call('orgs.list')).toEqual([]);
    await engine.close();
  });

  it('pushes a change event for every change', async () => {
    const engine = await openTestEngine(await newDir());
    const events: PushEvent[] = [];
    engine.subscribe((e) => events.push(e));
    await seedCatalog(engine);
    expect(
      events.map((e) => (e.type === 'entity.changed' ? `${e.entity}:${e.change}` : e.type)),
    ).toEqual(['organization:created', 'project:created', 'connection:created']);
    await engine.close();
  });

  it('lists an empty job history with paging', async () => {
    const engine = await openTestEngine(await newDir());
    expect(await engine.call('jobs.list', { status: ['failed'], limit: 10 })).toEqual({
      items: [],
      total: 0,
      offset: 0,
      limit: 10,
    });
    expect(await engine.dispatch('jobs.list', { limit: 5000 })).toMatchObject({
      ok: false,
      error: { code: 'validation', field: 'limit' },
    });
    await engine.close();
  });

  it('changes only the options an update names: every other option stays as it was', async () => {
    const engine = await openTestEngine(await newDir());
    const conn = await seedCatalog(engine);
    // Every option away from its default, so a default slipping in shows.
    const options = {
      partitionBytes: 7 * 1024 * 1024,
      gzipLevel: 2,
      eventFilter: { mode: 'exclude' as const, eventTypes: ['debug'] },
      manifest: true,
      queryCopy: true,
      jsonTable: true,
    };
    const schedule = { settleMinutes: 45, lookbackHours: 72, accessTries: 9 };
    const changes: [keyof typeof options | keyof typeof schedule, unknown][] = [
      ['partitionBytes', 3 * 1024 * 1024],
      ['gzipLevel', 9],
      ['eventFilter', { mode: 'include', eventTypes: ['play'] }],
      ['eventFilter', null],
      ['manifest', false],
      ['queryCopy', false],
      ['jsonTable', false],
      ['settleMinutes', null],
      ['lookbackHours', 12],
      ['accessTries', 3],
    ];
    for (const [field, value] of changes) {
      await engine.call('connections.update', { id: conn.id, options, schedule });
      const group = field in options ? 'options' : 'schedule';
      const updated = await engine.call('connections.update', {
        id: conn.id,
        [group]: { [field]: value },
      });
      expect(updated.options, field).toEqual(
        group === 'options' ? { ...options, [field]: value } : options,
      );
      expect(updated.schedule, field).toEqual(
        group === 'schedule' ? { ...schedule, [field]: value } : schedule,
      );
    }
    await engine.close();
  });
});
