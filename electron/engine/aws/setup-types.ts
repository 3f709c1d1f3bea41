/** The shapes AWS setup and its apply steps share (kept apart so neither imports the other). */
import type { BucketPolicyForm, ExportTarget } from '../../../shared/aws/policies';
import type { QueryTableKind } from '../../../shared/aws/glue-table';
import type { Backup } from '../../../shared/model/settings';
import type { Identity, Proposal } from '../../../shared/model/aws';
import type { AwsTarget, SetupClients } from './clients';
import type { BackupStore } from './backup-store';

/** Where a connection writes, as the setup steps need it (it may not be saved yet). */
export interface SetupTarget extends AwsTarget {
  /** The connection the documents are for (it may not be saved yet: the wizard picks its id). */
  connectionId: string;
  bucket: string;
  prefix: string;
  projectId: number;
  kmsKeyArn: string | null;
  sse: 'bucket-default' | 'AES256' | 'aws:kms';
  /** The Glue tables its role may read: the query copy's, the JSON table (none: neither). */
  queryTables?: readonly QueryTableKind[];
}

/** What one apply step works with: the plan, the clients, and where its backups and changes go. */
export interface ApplyRun {
  target: SetupTarget;
  form: BucketPolicyForm;
  clients: SetupClients;
  identity: Identity;
  exportTarget: ExportTarget;
  connectionId: string | null;
  /** Merge into one live document, backed up before each write (see changeDocument). */
  merge(
    kind: Backup['kind'],
    name: string,
    reason: string,
    change: (current: string | null) => string | null,
  ): Promise<{ proposal: Proposal; backups: Backup[] }>;
  backups: Backup[];
  applied: Proposal[];
  /** Where a document is kept before Ferry changes it. */
  store: BackupStore;
}
