import { FerryError } from '../../../shared/api/errors';
import type { BackupAsk } from '../../../shared/model/aws';
import type { Connection } from '../../../shared/model/entities';
import type { Backup } from '../../../shared/model/settings';
import type { AwsTarget } from './clients';

/**
 * Who asks AWS about a backup: the given fields, else whoever took it, else the profile, region
 * and endpoint of the backup's connection (live or archived — a migration may have removed it).
 */
export function backupAskTarget(
  connections: readonly Connection[],
  backup: Pick<Backup, 'connectionId' | 'via'>,
  ask: BackupAsk,
): AwsTarget {
  const dest = connections.find((c) => c.id === backup.connectionId)?.destination;
  const s3 = backup.via ?? (dest?.type === 's3' ? dest : null);
  const profile = ask.profile ?? s3?.profile;
  const region = ask.region ?? s3?.region;
  if (!profile || !region)
    throw new FerryError(
      'validation',
      'This backup belongs to no connection Ferry still knows: give the AWS profile and Region to use',
      'profile',
    );
  return {
    profile,
    region,
    endpoint: ask.endpoint ?? s3?.endpoint ?? null,
    forcePathStyle: s3?.forcePathStyle ?? false,
    mfaCode: ask.mfaCode,
  };
}
