import { FILE_MODES, type Connection, type Project } from '../../../shared/model/entities';
import { sentOverProtectedPath } from '../../../shared/model/fields';
import type { AwsClients } from '../aws/clients';
import { FolderSink } from '../sinks/folder';
import { S3Sink } from '../sinks/s3';
import type { Sink } from '../sinks/types';
import { AmplitudeSource } from '../sources/amplitude';
import { DemoSource } from '../sources/demo';
import { FilesSource } from '../sources/files';
import { SourceError, type EventSource } from '../sources/types';
import { amplitudeOrigin } from '../secret-binding';
import { amplitudeSecretName, SecretStore, SecretUnusable } from '../store/secrets';
import type { SecretsPort } from '../store/ports';

/**
 * Where a connection's hours are read from (its project's source) and written to (its
 * destination), built from the stored settings each time, so an edit applies to the next run.
 */
export class Endpoints {
  /** A files source keeps its folder index between runs. */
  private readonly fileSources = new Map<string, FilesSource>();

  constructor(
    private readonly deps: {
      aws: AwsClients;
      secrets: SecretsPort;
      /** Indexes and downloads (files source index, Amplitude zips). */
      cacheDir: string;
      /** Told the time every S3 and Amplitude answer carries (see ClockWitness). */
      serverTime?: (who: string, epochMs: number) => void;
      /** The data folder's identity: whose temp files a folder destination holds. */
      instance?: () => Promise<{ id: string }>;
    },
  ) {}

  /** The sink a connection writes to (also used by reconcile). */
  async sinkFor(connection: Connection): Promise<Sink> {
    const dest = connection.destination;
    if (dest.type === 'folder')
      return new FolderSink(
        dest.path,
        FILE_MODES[dest.permissions],
        (await this.deps.instance?.())?.id,
        dest.mountPoint === true,
      );
    const who = dest.endpoint ? new URL(dest.endpoint).host : 'Amazon S3';
    const serverTime = this.deps.serverTime;
    return new S3Sink(await this.deps.aws.s3(dest), {
      bucket: dest.bucket,
      onServerTime: serverTime && ((at) => serverTime(who, at)),
      unsignedParts: sentOverProtectedPath(dest.endpoint),
      sse:
        dest.sse === 'aws:kms' && dest.kmsKeyArn
          ? { algorithm: 'aws:kms', keyId: dest.kmsKeyArn }
          : dest.sse === 'AES256'
            ? { algorithm: 'AES256' }
            : null,
    });
  }

  /** The source a project's events come from; a missing Amplitude key is a source error. */
  async sourceFor(project: Project): Promise<EventSource> {
    const src = project.source;
    if (src.type === 'demo')
      return new DemoSource({
        projectId: project.id,
        seed: src.seed,
        eventsPerHour: src.eventsPerHour,
      });
    if (src.type === 'files') {
      // One per folder and project: each reads the folder for its own project's events.
      const key = `${project.id}\u0000${src.path}`;
      let files = this.fileSources.get(key);
      if (!files)
        this.fileSources.set(
          key,
          (files = new FilesSource(src.path, this.deps.cacheDir, project.id)),
        );
      return files;
    }
    const secretName = amplitudeSecretName(project.id);
    const secretKey = await this.deps.secrets
      .get(secretName, amplitudeOrigin(src))
      .catch((error: unknown) => {
        if (error instanceof SecretUnusable)
          throw new SourceError(`Project "${project.name}": ${error.message}`, error.fix, {
            code: 'credentials',
          });
        throw error;
      });
    if (!secretKey)
      throw new SourceError(
        `Project "${project.name}" has no Amplitude secret key stored here`,
        `Enter it in the project settings (or set ${SecretStore.envName(secretName)}).`,
        { code: 'credentials' },
      );
    return new AmplitudeSource({
      projectId: project.id,
      region: src.region,
      endpoint: src.endpoint,
      apiKey: src.apiKey,
      secretKey,
      tempDir: this.deps.cacheDir,
      onServerTime:
        this.deps.serverTime && ((at) => this.deps.serverTime?.("Amplitude's Export API", at)),
    });
  }
}

/** A connection's key prefix (`''` for a folder). */
export function prefixOf(connection: Connection): string {
  return connection.destination.type === 's3' ? connection.destination.prefix : '';
}
