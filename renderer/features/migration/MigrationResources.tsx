import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import {
  iamRoleConsoleUrl,
  kmsKeyConsoleUrl,
  s3ConsoleUrl,
} from '../../../shared/aws/console-links';
import type { Connection } from '../../../shared/model/entities';
import type { MigrationView } from '../../../shared/model/migration';
import { AwsId } from '../../components/AwsId';

/**
 * What the migration works on, each with a copy button and its AWS console page: the bucket,
 * the KMS key once step 2 has it, the export role once the new connection exports as it.
 */
export function MigrationResources({
  migration: m,
  connections,
}: {
  migration: MigrationView;
  /** The old and new connections where they still exist (for the Region and the role). */
  connections: Connection[];
}) {
  const s3 = connections
    .filter((c) => c.id === m.newConnectionId || c.id === m.oldConnectionId)
    .map((c) => c.destination)
    .flatMap((d) => (d.type === 's3' ? [d] : []));
  const endpoint = s3[0]?.endpoint ?? null;
  const roleArn = s3.find((d) => d.roleArn)?.roleArn ?? null;
  const items = [
    {
      label: 'Bucket',
      value: (
        <AwsId
          text={m.bucket}
          label="Bucket name"
          href={s3[0] ? s3ConsoleUrl({ ...s3[0], bucket: m.bucket, prefix: m.prefix }) : null}
          testId="migration-bucket"
        />
      ),
    },
    ...(m.keyArn
      ? [
          {
            label: 'KMS key',
            value: (
              <AwsId
                text={m.keyArn}
                label="Key ARN"
                href={kmsKeyConsoleUrl(m.keyArn, endpoint)}
                testId="migration-key"
              />
            ),
          },
        ]
      : []),
    ...(roleArn
      ? [
          {
            label: 'Export role',
            value: (
              <AwsId
                text={roleArn}
                label="Role ARN"
                href={iamRoleConsoleUrl(roleArn, endpoint)}
                testId="migration-role"
              />
            ),
          },
        ]
      : []),
  ];
  return (
    <Container header={<Header variant="h2">Resources</Header>} data-testid="migration-resources">
      <KeyValuePairs columns={3} items={items} />
    </Container>
  );
}
