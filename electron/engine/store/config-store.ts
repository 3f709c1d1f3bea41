import { Low } from 'lowdb';
import { join } from 'node:path';
import type { Notice } from '../../../shared/api/contract';
import { dataFolderWriteError } from './data-dir';
import { CopyNotWritten, ValidatedJsonFile } from './json-file';
import type { ConfigPort } from './ports';
import {
  checkBeforeWrite,
  CONFIG_MIGRATIONS,
  CONFIG_SCHEMA_VERSION,
  configFile,
  decodeVersioned,
  emptyConfig,
  type ConfigData,
} from './schema';

/**
 * Organizations, projects, connections and settings: `config.json`, via lowdb.
 *
 * Changes go through `update`, which works on a copy and only replaces the in-memory state once
 * the file is written: no reader sees a change that is not on disk yet, and a failed write
 * leaves memory as the file is. Updates run one at a time in call order.
 */
export class ConfigStore implements ConfigPort {
  private readonly db: Low<ConfigData>;
  private queue: Promise<unknown> = Promise.resolve();
  /** True when the data dir had no config at all (not even a copy): a first start. */
  readonly fresh: boolean;

  private constructor(
    db: Low<ConfigData>,
    fresh: boolean,
    private readonly guard: () => void,
    private readonly dataDir: string,
  ) {
    this.db = db;
    this.fresh = fresh;
  }

  static async open(
    dataDir: string,
    notify: (n: Notice) => void,
    readOnly = false,
    guard: () => void = () => undefined,
  ): Promise<ConfigStore> {
    const adapter = new ValidatedJsonFile<ConfigData>(join(dataDir, 'config.json'), {
      decode: (raw) =>
        decodeVersioned(raw, configFile, CONFIG_SCHEMA_VERSION, CONFIG_MIGRATIONS, 'config.json'),
      notify,
      readOnly,
      whenNoGoodCopy: 'refuse',
    });
    const db = new Low<ConfigData>(adapter, emptyConfig());
    await db.read();
    return new ConfigStore(db, adapter.fresh, guard, dataDir);
  }

  /** The current state. Treat as read-only; change it with `update`. */
  get data(): Readonly<ConfigData> {
    return this.db.data;
  }

  /**
   * Resolves once every update asked for so far has ended: a check of `data` after it sees
   * them all (a change shows in `data` only once it is on disk).
   */
  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  update<R>(change: (draft: ConfigData) => R): Promise<R> {
    const run = async () => {
      this.guard();
      const draft = structuredClone(this.db.data);
      const result = change(draft);
      checkBeforeWrite(configFile, draft, 'config.json');
      try {
        await this.db.adapter.write(draft);
      } catch (error) {
        // The file holds the change even though its copy failed: memory follows the file.
        if (error instanceof CopyNotWritten) this.db.data = draft;
        // Otherwise config.json is as it was (written atomically), and so is memory.
        throw dataFolderWriteError(error, this.dataDir);
      }
      this.db.data = draft;
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
