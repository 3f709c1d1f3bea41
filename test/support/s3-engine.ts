import { createEngine, type Engine } from '../../electron/engine';
import { createAwsClients, type AwsClients } from '../../electron/engine/aws/clients';
import type { Connection, ConnectionCreate } from '../../shared/model/entities';
import { TEST_PROFILE } from './moto';

/** The organization and project every S3 engine test exports. */
export const ORG = 123;
export const PROJECT = 187520;

/** An engine on `dataDir` that makes each S3 call once (or `attempts` times). */
export const openS3Engine = (dataDir: string, aws: AwsClients = createAwsClients(), attempts = 1) =>
  createEngine({
    dataDir,
    transport: 'cli',
    role: 'test',
    seedDemo: false,
    aws,
    retry: { attempts, baseMs: 1 },
  });

/** The organization and its files project reading `sourceFolder`. */
export async function addFilesProject(engine: Engine, sourceFolder: string): Promise<void> {
  await engine.call('orgs.create', { id: ORG, name: 'Acme' });
  await engine.call('projects.create', {
    id: PROJECT,
    orgId: ORG,
    name: 'Web',
    source: { type: 'files', path: sourceFolder },
  });
}

/**
 * An engine on `dataDir` with one files project and one S3 connection ("to-moto") to `bucket`
 * on the S3 server at `endpoint`, under `prefix`.
 */
export async function engineWithS3Connection(
  at: { endpoint: string; bucket: string; dataDir: string },
  prefix: string,
  sourceFolder: string,
  {
    aws = createAwsClients(),
    attempts = 1,
    options,
    datasets = ['events'],
    encryption = {},
  }: {
    aws?: AwsClients;
    attempts?: number;
    options?: ConnectionCreate['options'];
    datasets?: ConnectionCreate['datasets'];
    encryption?: { sse?: 'aws:kms'; kmsKeyArn?: string };
  } = {},
): Promise<{ engine: Engine; connection: Connection }> {
  const engine = await openS3Engine(at.dataDir, aws, attempts);
  await addFilesProject(engine, sourceFolder);
  const connection = await engine.call('connections.create', {
    name: 'to-moto',
    projectId: PROJECT,
    destination: {
      type: 's3',
      bucket: at.bucket,
      region: 'us-east-1',
      prefix,
      profile: TEST_PROFILE,
      endpoint: at.endpoint,
      forcePathStyle: true,
      ...encryption,
    },
    datasets,
    options,
  });
  return { engine, connection };
}
