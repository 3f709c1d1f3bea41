/*
 * The team-only entries (`ferry team …`, `ferry audit`, `ferry worker`), each loaded on its first
 * call: a laptop's commands, serve and desktop app never load PostgreSQL's or KMS's clients.
 */
import type * as TeamStore from './engine-store/team';
import type * as Transfer from './team-transfer';
import type * as Worker from './team/worker';

export const openTeamPeople: typeof TeamStore.openTeamPeople = async (...args) =>
  (await import('./engine-store/team')).openTeamPeople(...args);

export const importDataDir: typeof Transfer.importDataDir = async (...args) =>
  (await import('./team-transfer')).importDataDir(...args);

export const exportToDataDir: typeof Transfer.exportToDataDir = async (...args) =>
  (await import('./team-transfer')).exportToDataDir(...args);

export const startWorker: typeof Worker.startWorker = async (...args) =>
  (await import('./team/worker')).startWorker(...args);
