import type { Migration } from '../../../shared/model/migration';
import type { ConfigPort, MigrationLogPort } from './ports';

/** KMS migrations in config.json, beside the connections they change (one atomic write). */
export class ConfigMigrationLog implements MigrationLogPort {
  constructor(private readonly config: ConfigPort) {}

  all(): readonly Migration[] {
    return this.config.data.migrations;
  }

  async save(migration: Migration): Promise<void> {
    const kept = structuredClone(migration);
    await this.config.update((data) => {
      const at = data.migrations.findIndex((m) => m.id === kept.id);
      if (at < 0) data.migrations.push(kept);
      else data.migrations[at] = kept;
    });
  }
}
