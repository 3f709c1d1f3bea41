import { FerryError } from '../../../shared/api/errors';
import { exportRoleArn } from '../../../shared/aws/policies';
import { setupTarget, setupTargetFor } from '../../../shared/model/aws';
import { type S3Destination } from '../../../shared/model/entities';
import { type Migration } from '../../../shared/model/migration';
import type { SetupTarget } from '../aws/setup';
import type { Catalog } from '../catalog';
import type { ConfigPort } from '../store/ports';

/** The old connection's AWS target, from the connection (or its archive once deleted). */
export function oldTarget(config: ConfigPort, m: Migration): SetupTarget {
  const old =
    config.data.connections.find((c) => c.id === m.oldConnectionId) ??
    config.data.archived.find((c) => c.id === m.oldConnectionId);
  const target = old && setupTargetFor(old);
  if (!target) throw new FerryError('not_found', `The connection "${m.oldConnectionName}" is gone`);
  return setupTarget.parse(target);
}

/** The new connection's target: same bucket and prefix, the key, SSE-KMS. */
export async function newTarget(config: ConfigPort, m: Migration): Promise<SetupTarget> {
  if (!m.keyArn) throw new Error('Step 2 (the KMS key) is not done');
  return {
    ...oldTarget(config, m),
    connectionId: m.newConnectionId,
    kmsKeyArn: m.keyArn,
    sse: 'aws:kms',
  };
}

export function newDestination(
  catalog: Catalog,
  m: Migration,
  target: SetupTarget,
  identity: { account: string; partition: string },
): S3Destination {
  const old = catalog.getConnection(m.oldConnectionId).destination as S3Destination;
  return {
    ...old,
    kmsKeyArn: target.kmsKeyArn,
    sse: 'aws:kms',
    roleArn: exportRoleArn({
      partition: identity.partition,
      exportingAccount: identity.account,
      projectId: m.projectId,
    }),
  };
}
