import { GlueClient } from '@aws-sdk/client-glue';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';

export const TEST_PROFILE = 'ferry-test';
/** `~/.aws/config` and `~/.aws/credentials` text for TEST_PROFILE: moto's test keys, us-east-1. */
export const TEST_CONFIG = `[profile ${TEST_PROFILE}]\nregion = us-east-1\n`;
export const TEST_CREDENTIALS = `[${TEST_PROFILE}]\naws_access_key_id = AKIAFERRYTEST\naws_secret_access_key = ferry-test-secret\n`;

export interface Moto {
  endpoint: string;
  /** AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE naming a profile with test keys. */
  env: Record<string, string>;
  s3(): S3Client;
  iam(): IAMClient;
  kms(): KMSClient;
  glue(): GlueClient;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Start a real S3-compatible server (moto_server: S3, IAM, KMS, STS) on a free port, with an
 * AWS profile in temp config files pointing at nothing but test keys. `extraEnv` reaches the
 * server (e.g. INITIAL_NO_AUTH_ACTION_COUNT to make it enforce IAM).
 */
export async function startMoto(extraEnv: Record<string, string> = {}): Promise<Moto> {
  if (spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status !== 0)
    throw new Error(
      "moto (Python) is not installed, so the S3 tests can not run. Install it with: python3 -m pip install 'moto[server]'",
    );
  const port = await freePort();
  // moto_server itself, with AWS's reading of Null conditions in bucket policies (see the script).
  const server = join(dirname(fileURLToPath(import.meta.url)), 'moto-server.py');
  const child: ChildProcess = spawn('python3', [server, '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited: ${stderr}`);
    const up = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const dir = await mkdtemp(join(tmpdir(), 'ferry-aws-'));
  const config = join(dir, 'config');
  const credentials = join(dir, 'credentials');
  await writeFile(config, TEST_CONFIG);
  await writeFile(credentials, TEST_CREDENTIALS);
  const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
  return {
    endpoint,
    env,
    s3: () =>
      new S3Client({
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'AKIAFERRYTEST', secretAccessKey: 'ferry-test-secret' },
      }),
    iam: () =>
      new IAMClient({
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: 'AKIAFERRYTEST', secretAccessKey: 'ferry-test-secret' },
      }),
    kms: () =>
      new KMSClient({
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: 'AKIAFERRYTEST', secretAccessKey: 'ferry-test-secret' },
      }),
    glue: () =>
      new GlueClient({
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: 'AKIAFERRYTEST', secretAccessKey: 'ferry-test-secret' },
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/**
 * Every object of the export under a prefix with its ETag and body, sorted by key. Ferry's
 * claims on the destination (`_ferry-owner_…`, not part of the export) are left out unless
 * `claims` asks for them.
 */
export async function listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  { claims = false }: { claims?: boolean } = {},
): Promise<{ key: string; etag: string; body: Buffer }[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const out = [];
  for (const item of listed.Contents ?? []) {
    if (!claims && /(^|\/)_ferry-owner_/.test(item.Key!)) continue;
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key }));
    out.push({
      key: item.Key!,
      etag: item.ETag!,
      body: Buffer.from(await got.Body!.transformToByteArray()),
    });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** How many multipart uploads under a prefix were started and neither completed nor aborted. */
export async function pendingUploads(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<number> {
  const result = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return result.Uploads?.length ?? 0;
}

/** `ferry connection add` flags for a bucket on a moto server, as the test profile. */
export function motoBucketFlags(moto: Moto, bucket: string, prefix: string): string[] {
  return [
    '--bucket',
    bucket,
    '--region',
    'us-east-1',
    '--prefix',
    prefix,
    '--profile',
    TEST_PROFILE,
    '--endpoint',
    moto.endpoint,
    '--path-style',
  ];
}

/**
 * A moto_server that enforces IAM, with a bucket and a profile "noput" that may do everything an
 * export needs but s3:PutObject — an admin who forgot one permission. `env` points the AWS SDK
 * at the profile; `stop()` ends the server and removes the profile files.
 */
export async function startRefusingMoto(bucket: string): Promise<{
  moto: Moto;
  env: Record<string, string>;
  stop(): Promise<void>;
}> {
  const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } =
    await import('@aws-sdk/client-iam');
  // Enforcing after these four setup calls.
  const moto = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: '4' });
  await moto.s3().send(new CreateBucketCommand({ Bucket: bucket }));
  const iam = moto.iam();
  await iam.send(new CreateUserCommand({ UserName: 'noput' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'noput',
      PolicyName: 'export',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              's3:AbortMultipartUpload',
              's3:DeleteObject',
              's3:ListBucket',
              's3:ListBucketMultipartUploads',
              's3:GetBucketLocation',
              'sts:GetCallerIdentity',
            ],
            Resource: '*',
          },
        ],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'noput' }))).AccessKey!;
  const dir = await mkdtemp(join(tmpdir(), 'ferry-aws-noput-'));
  await writeFile(join(dir, 'config'), '[profile noput]\nregion = us-east-1\n');
  await writeFile(
    join(dir, 'credentials'),
    `[noput]\naws_access_key_id = ${key.AccessKeyId}\naws_secret_access_key = ${key.SecretAccessKey}\n`,
  );
  return {
    moto,
    env: {
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    },
    async stop() {
      await moto.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
