/**
 * The names of every API method, and nothing else.
 *
 * Kept apart from the zod contract so the sandboxed preload can list them without bundling zod;
 * `contract.ts` is checked against this list at compile time, so the two can not drift.
 */
export const API_METHODS = [
  'app.info',
  'orgs.list',
  'orgs.get',
  'orgs.create',
  'orgs.update',
  'orgs.delete',
  'projects.list',
  'projects.get',
  'projects.create',
  'projects.update',
  'projects.delete',
  'connections.list',
  'connections.get',
  'connections.create',
  'connections.update',
  'connections.delete',
  'connections.takeOver',
  'connections.verifyFolder',
  'jobs.list',
  'jobs.get',
  'jobs.exportHour',
  'jobs.cancel',
  'jobs.retry',
  'jobs.retryFailed',
  'jobs.stats',
  'jobs.reconcile',
  'schedule.status',
  'schedule.resume',
  'backfills.preview',
  'backfills.start',
  'backfills.list',
  'backfills.get',
  'backfills.hours',
  'backfills.cancel',
  'settings.get',
  'settings.update',
  'settings.testEmail',
  'aws.profiles',
  'aws.identity',
  'aws.bucketRegion',
  'aws.plan',
  'aws.apply',
  'aws.unapply',
  'aws.createKey',
  'aws.verify',
  'query.plan',
  'query.apply',
  'query.remove',
  'backups.list',
  'backups.show',
  'backups.compare',
  'backups.restore',
  'connections.archived',
  'migrations.list',
  'migrations.get',
  'migrations.start',
  'migrations.next',
  'migrations.rollback',
  'migrations.runbook',
  'audit.list',
] as const;

export type ApiMethod = (typeof API_METHODS)[number];

/**
 * Reads answered from what Ferry holds, in milliseconds: the lists the console reads on every
 * start and every reconnection. Over HTTP, those asked in the same moment go in one request
 * (`POST /api/batch`, renderer/api/batching.ts); a slow read (AWS, a job page, a mail) never
 * does, so it holds up no list. Each is a read in the contract (a unit test checks).
 */
export const QUICK_READS: ReadonlySet<ApiMethod> = new Set<ApiMethod>([
  'app.info',
  'orgs.list',
  'projects.list',
  'connections.list',
  'connections.archived',
  'schedule.status',
  'backfills.list',
  'migrations.list',
  'settings.get',
]);

/** The IPC channel a method travels on in the desktop app. */
export const ipcChannel = (method: ApiMethod): string => `ferry:${method}`;

/** The IPC channel the main process pushes events on. */
export const IPC_EVENT_CHANNEL = 'ferry:event';

/** `orgs.create` → `['orgs', 'create']`: the group and the name a bridge exposes it under. */
export function splitMethod(method: string): [group: string, name: string] {
  const dot = method.indexOf('.');
  return [method.slice(0, dot), method.slice(dot + 1)];
}

/**
 * Every method, grouped as `window.ferry` and the renderer's client expose them
 * (`{ orgs: { create: fn, … }, … }`), each made by `make`. The one place the list is grouped.
 */
export function groupMethods<F>(make: (method: ApiMethod) => F): Record<string, Record<string, F>> {
  const groups: Record<string, Record<string, F>> = {};
  for (const method of API_METHODS) {
    const [group, name] = splitMethod(method);
    (groups[group] ??= {})[name] = make(method);
  }
  return groups;
}
