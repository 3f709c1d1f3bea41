import { openStore } from '../store';
import { loadInstance } from '../store/instance';
import { PLAIN_FILE_CODEC, SecretStore } from '../store/secrets';
import type { EngineStore, EngineStoreOptions } from './types';

export type { DatabaseOptions, EngineSecrets, EngineStore, EngineStoreOptions } from './types';

/**
 * The storage an engine runs on. A laptop keeps everything in its data folder. In team mode
 * (`database`) the shared records are in PostgreSQL, and the data folder keeps only this host's
 * working files (commits under way, the export cache, its instance id), under its own lock.
 */
export async function openEngineStore(options: EngineStoreOptions): Promise<EngineStore> {
  if (!options.database) {
    const store = await openStore(options);
    const secrets = new SecretStore(
      store.dataDir,
      options.secretCodec ?? PLAIN_FILE_CODEC,
      process.env,
      options.now,
      options.readOnly,
    );
    return {
      store,
      secrets,
      instance: () => loadInstance(store.dataDir, options.now, options.readOnly),
      people: null,
      teamJobs: null,
      takeovers: null,
      cancelOnWorker: null,
    };
  }
  // Loaded here, not above: a laptop's engine never loads PostgreSQL's or KMS's clients.
  const { openTeamStore } = await import('./team');
  return openTeamStore({ ...options, database: options.database });
}
