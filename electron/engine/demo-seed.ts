import { join } from 'node:path';
import type { Catalog } from './catalog';

export const DEMO = { orgId: 1, projectId: 100001, connectionName: 'demo-export' } as const;

/**
 * A new data dir starts with something to look at: a demo organization, a demo project whose
 * source is the built-in sample generator, and a connection that writes to a folder inside the
 * data dir — disabled until the user enables it, so nothing runs uninvited.
 */
export async function seedDemo(catalog: Catalog, dataDir: string): Promise<void> {
  await catalog.createOrg({ id: DEMO.orgId, name: 'Demo organization', adminEmail: null });
  await catalog.createProject({
    id: DEMO.projectId,
    orgId: DEMO.orgId,
    name: 'Demo project (sample events)',
    kind: 'standard',
    source: { type: 'demo', seed: 1, eventsPerHour: 2_000 },
  });
  await catalog.createConnection({
    name: DEMO.connectionName,
    projectId: DEMO.projectId,
    destination: { type: 'folder', path: join(dataDir, 'demo-export'), permissions: 'owner' },
    datasets: ['events', 'merged-ids'],
    enabled: false,
    options: {
      partitionBytes: 512 * 1024 * 1024,
      gzipLevel: 6,
      eventFilter: null,
      manifest: false,
      queryCopy: false,
      jsonTable: false,
    },
    schedule: { settleMinutes: null, lookbackHours: 24, accessTries: 5 },
    createdBy: null,
  });
}
