import { createEngine, type Engine } from '../../electron/engine';
import type { Connection, ConnectionCreate } from '../../shared/model/entities';
import type { Backfill, BackfillRange } from '../../shared/model/jobs';

/** An engine on a temp data dir with a fixed clock, as a transport would use it. */
export async function openTestEngine(dataDir: string): Promise<Engine> {
  return createEngine({
    dataDir,
    transport: 'cli',
    role: 'test',
    clock: { now: () => new Date('2026-11-26T10:00:00Z') },
    seedDemo: false,
  });
}

/** Create an organization, a project and an S3 connection; returns the connection. */
export async function seedCatalog(
  engine: Engine,
  overrides: { orgId?: number; projectId?: number; bucket?: string } = {},
) {
  const orgId = overrides.orgId ?? 123;
  const projectId = overrides.projectId ?? 187520;
  await engine.call('orgs.create', { id: orgId, name: `Org ${orgId}` });
  await engine.call('projects.create', { id: projectId, orgId, name: `Project ${projectId}` });
  return engine.call('connections.create', {
    name: `conn-${projectId}`,
    projectId,
    destination: {
      type: 's3',
      bucket: overrides.bucket ?? 'acme-export',
      region: 'us-east-1',
      prefix: 'amplitude/',
      profile: 'default',
    },
  });
}

/**
 * Organization 1, its demo project 7 (20 events an hour) and a folder connection to `path`, made
 * through the API; returns the connection.
 */
export async function seedDemoFolder(
  engine: Engine,
  path: string,
  connection: Partial<ConnectionCreate> = {},
): Promise<Connection> {
  await engine.call('orgs.create', { id: 1, name: 'Acme' });
  await engine.call('projects.create', {
    id: 7,
    orgId: 1,
    name: 'Web',
    source: { type: 'demo', eventsPerHour: 20 },
  });
  return engine.call('connections.create', {
    name: 'files',
    projectId: 7,
    destination: { type: 'folder', path },
    ...connection,
  });
}

/** Start a backfill through the API and wait until it has ended (the push stream says when). */
export async function runBackfill(engine: Engine, range: BackfillRange): Promise<Backfill> {
  let wake = () => {};
  const unsubscribe = engine.subscribe((event) => {
    if (event.type === 'backfill.updated' && event.backfill.status !== 'running') wake();
  });
  try {
    const { id } = await engine.call('backfills.start', range);
    while (engine.scheduler.backfills.get(id).status === 'running')
      await new Promise<void>((resolve) => (wake = resolve));
    return engine.scheduler.backfills.get(id);
  } finally {
    unsubscribe();
  }
}
