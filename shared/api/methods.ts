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
] as const;

export type ApiMethod = (typeof API_METHODS)[number];

/** The IPC channel a method travels on in the desktop app. */
export const ipcChannel = (method: ApiMethod): string => `ferry:${method}`;

/** The IPC channel the main process pushes events on. */
export const IPC_EVENT_CHANNEL = 'ferry:event';
