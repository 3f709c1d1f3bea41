import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job } from '../../../shared/model/entities';
import type { Sink, StagedHandle } from '../sinks/types';
import { syncDir, writeFileAtomic } from '../store/atomic';

/**
 * What it takes to make one written hour visible, recorded before the first object is: if Ferry
 * is killed part-way through the commit, the next start finishes it from this record (roll
 * forward), so an hour is never left half old, half new.
 */
export interface CommitIntent {
  version: 1;
  /** The run this hour was written by (also the file name). */
  id: string;
  connectionId: string;
  hour: string;
  writtenAt: string;
  /** The job records to write once the hour is visible (status `succeeded`). */
  jobs: Job[];
  /** Every sealed object of the hour, all datasets. */
  staged: StagedHandle[];
  /** Keys an earlier export of the hour wrote that this one does not have. */
  stale: string[];
  /** The opt-in manifest, written last. */
  manifest: { key: string; body: string } | null;
}

/**
 * Pending commits, one file each under `<data dir>/commits/` (written atomically, removed once
 * the hour's jobs are recorded).
 */
export class CommitLog {
  private readonly keepSet = new Set<string>();
  /** Recorded commits not finished yet, by id. */
  private readonly open = new Map<string, CommitIntent>();

  constructor(
    private readonly dir: string,
    private readonly guard: () => void = () => undefined,
  ) {}

  /** Upload ids and temp paths of recorded commits: leftover cleanup must not touch them. */
  get keep(): ReadonlySet<string> {
    return this.keepSet;
  }

  async record(intent: CommitIntent): Promise<void> {
    this.guard();
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.path(intent.id), `${JSON.stringify(intent)}\n`);
    this.open.set(intent.id, intent);
    for (const handle of intent.staged) this.keepSet.add(stagedId(handle));
  }

  async done(intent: CommitIntent): Promise<void> {
    await rm(this.path(intent.id), { force: true });
    await syncDir(this.dir).catch(() => undefined);
    this.open.delete(intent.id);
    for (const handle of intent.staged) this.keepSet.delete(stagedId(handle));
  }

  /**
   * Drop unfinished commits of an hour that is being exported again: the new run rewrites the
   * whole hour, so their staged objects are thrown away rather than made visible later.
   */
  async supersede(connectionId: string, hour: string, sink: Sink): Promise<void> {
    for (const intent of [...this.open.values()]) {
      if (intent.connectionId !== connectionId || intent.hour !== hour) continue;
      await Promise.allSettled(intent.staged.map((handle) => sink.discard(handle)));
      await this.done(intent);
    }
  }

  /** Commits a killed process left unfinished, oldest first; unreadable records set aside. */
  async pending(notify: (message: string) => void): Promise<CommitIntent[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const intents: CommitIntent[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const path = join(this.dir, name);
      try {
        const intent = JSON.parse(await readFile(path, 'utf8')) as CommitIntent;
        if (intent.version !== 1 || !Array.isArray(intent.staged))
          throw new Error('unknown layout');
        intents.push(intent);
        this.open.set(intent.id, intent);
        for (const handle of intent.staged) this.keepSet.add(stagedId(handle));
      } catch (error) {
        await rename(path, `${path}.damaged`).catch(() => undefined);
        notify(
          `commits/${name} could not be read (${(error as Error).message}); it was kept as ${name}.damaged and its hour will be exported again.`,
        );
      }
    }
    return intents;
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}

/**
 * Make a written hour visible: commit every sealed object, then delete what an earlier export
 * had beyond it, then write the manifest. Every step is safe to repeat, so a commit a kill cut
 * short is finished by running this again. Returns each key's ETag.
 */
export async function commitHour(
  sink: Sink,
  intent: CommitIntent,
): Promise<Map<string, string | null>> {
  const etags = new Map<string, string | null>();
  for (const handle of intent.staged) etags.set(handle.key, (await sink.commit(handle)).etag);
  if (intent.stale.length > 0) await sink.deleteObjects(intent.stale);
  if (intent.manifest)
    await sink.putObject(
      intent.manifest.key,
      Buffer.from(intent.manifest.body),
      'application/json',
    );
  return etags;
}

/** The id cleanup knows a staged object by: its upload id, or its temp file. */
export function stagedId(handle: StagedHandle): string {
  return handle.sink === 's3' ? handle.uploadId : handle.temp;
}
