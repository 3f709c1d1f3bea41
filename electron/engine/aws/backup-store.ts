import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { FerryError } from '../../../shared/api/errors';
import type { Proposal } from '../../../shared/model/aws';
import { backupDigestInput, type Backup } from '../../../shared/model/settings';
import type { BackupArchivePort } from '../store/ports';
import type { Clock } from '../time/clock';
import type { AwsTarget } from './clients';

/** A backup file as take() writes it: the index entry, and the document it kept (null: none). */
const backupFile = z.object({ document: z.string().nullable() });

/**
 * Policy backups on disk: each document Ferry replaces or removes is kept in backups/ (one file
 * each, never deleted by Ferry) with its entry in config.json's index, and is read back only
 * when it is still what was taken (its digest, and what the index says it found).
 */
export class BackupStore {
  constructor(
    private readonly archive: BackupArchivePort,
    private readonly clock: Clock,
  ) {}

  /** A backup's index entry (what, when, who took it), without reading its document. */
  entry(backupId: string): Backup {
    const entry = this.archive.entries().find((b) => b.id === backupId);
    if (!entry) throw new FerryError('not_found', `There is no backup ${backupId}`, 'id');
    return entry;
  }

  /** The document a backup kept (null: there was none). */
  async read(backupId: string): Promise<{ backup: Backup; document: string | null }> {
    const entry = this.entry(backupId);
    const file = this.archive.where(entry);
    const damaged = (why: string) =>
      new FerryError(
        'conflict',
        `The backup file ${file} ${why}: it was changed or damaged after it was taken, so Ferry does not use it. Nothing was restored.`,
      );
    const text = await this.archive.stored(entry);
    if (text === null) throw damaged('is missing');
    let saved: unknown;
    try {
      saved = JSON.parse(text);
    } catch {
      throw damaged('can not be read as JSON');
    }
    const parsed = backupFile.safeParse(saved);
    if (!parsed.success) throw damaged('holds no document');
    const { document } = parsed.data;
    // The index says what the backup found: a document it says existed is never "none".
    if (entry.existed !== (document !== null))
      throw damaged(
        entry.existed
          ? 'holds no document, though one existed'
          : 'holds a document, though none existed',
      );
    if (entry.sha256 && sha256(backupDigestInput(document)) !== entry.sha256)
      throw damaged('does not match the digest recorded when it was taken');
    if (!entry.sha256 && document !== null && grantsPublicAccess(document))
      throw damaged(
        'grants access to everyone (Principal "*"), and is older than the digests that would prove Ferry kept it so',
      );
    return { backup: entry, document };
  }

  /** Keep a document as it is now, in backups/ and the index in config.json. Never deleted by Ferry. */
  async take(
    proposal: Proposal,
    connectionId: string | null,
    reason: string,
    via: AwsTarget,
  ): Promise<Backup> {
    const takenAt = this.clock.now().toISOString();
    const id = `bk_${takenAt.replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomBytes(3).toString('hex')}`;
    const file = `${id}-${proposal.kind}.json`;
    const entry: Backup = {
      id,
      kind: proposal.kind,
      target: proposal.target,
      file,
      takenAt,
      connectionId,
      existed: proposal.current !== null,
      sha256: sha256(backupDigestInput(proposal.current)),
      reason,
      via: {
        profile: via.profile,
        region: via.region,
        endpoint: via.endpoint,
        forcePathStyle: via.forcePathStyle ?? false,
      },
    };
    await this.archive.add(entry, proposal.current);
    return entry;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** True when a policy document allows anything to everyone (`"Principal": "*"`, `{"AWS": "*"}`). */
export function grantsPublicAccess(document: string): boolean {
  let statements: unknown;
  try {
    statements = (JSON.parse(document) as { Statement?: unknown }).Statement;
  } catch {
    return false;
  }
  return [statements ?? []].flat().some((s) => {
    const statement = s as { Effect?: unknown; Principal?: unknown };
    if (statement.Effect !== 'Allow') return false;
    const principal = statement.Principal;
    if (principal === '*') return true;
    const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
    return [aws ?? []].flat().includes('*');
  });
}
