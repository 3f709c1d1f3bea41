import type { PushEvent } from '../../../shared/api/events';
import type { AwsClients } from '../aws/clients';
import type { AwsSetup } from '../aws/setup';
import type { Catalog } from '../catalog';
import type { Clock } from '../time/clock';
import type { ExportService } from '../jobs/export-service';
import type { Scheduler } from '../schedule/scheduler';
import type { Timers } from '../time/timers';
import type {
  BackupArchivePort,
  ConfigPort,
  JobHistoryPort,
  MigrationLogPort,
} from '../store/ports';

/** What a KMS migration works with: the catalog, AWS, the scheduler, and where it is kept. */
export interface MigrationDeps {
  config: ConfigPort;
  catalog: Catalog;
  setup: AwsSetup;
  aws: AwsClients;
  scheduler: Scheduler;
  exports: ExportService;
  jobs: JobHistoryPort;
  log: MigrationLogPort;
  /** Where the policy documents a migration replaced are kept. */
  backups: BackupArchivePort;
  clock: Clock;
  timers: Timers;
  emit(event: PushEvent): void;
}

export interface NextOptions {
  keyArn?: string;
  markDone: boolean;
  confirm: boolean;
}

/** How long step 3 lets the old connection's running exports finish before cancelling them. */
export const OLD_RUNS_GRACE_MS = 10 * 60_000;

/** What a step did, in a sentence; `waiting` when it must be checked again later. */
export type StepOutcome = { text: string; status?: 'done' | 'waiting' };
