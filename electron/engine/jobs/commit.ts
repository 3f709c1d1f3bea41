import { hourText } from '../../../shared/model/hours';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { job, type Job } from '../../../shared/model/jobs';
import type { QueryMarkers } from '../query/markers';
import { StagedObjectLost, type Sink, type StagedHandle } from '../sinks/types';
import { syncDir, writeFileAtomic } from '../store/atomic';
import { plural } from '../../../shared/format';

/**
 * What it takes to make one written hour visible, recorded before the first object is: if Ferry
 * is killed part-way through the commit, the next start finishes it from this record (roll
 * forward), so an hour is never left half old, half new.
 */
const stagedHandleSchema = z.discriminatedUnion('sink', [
  z.object({
    sink: z.literal('s3'),
    key: z.string(),
    uploadId: z.string(),
    parts: z.array(
      z.object({ PartNumber: z.number(), ETag: z.string(), ChecksumCRC32: z.string().optional() }),
    ),
    bytes: z.number(),
  }),
  z.object({ sink: z.literal('folder'), key: z.string(), temp: z.string(), bytes: z.number() }),
]) satisfies z.ZodType<StagedHandle>;

/** A commit record as read back from `commits/`: checked, never cast. */
const commitIntentSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  connectionId: z.string(),
  hour: z.string(),
  writtenAt: z.string(),
  jobs: z.array(job).min(1),
  staged: z.array(stagedHandleSchema),
  stale: z.array(z.string()),
  manifest: z.object({ key: z.string(), body: z.string() }).nullable(),
  queryMarkers: z
    .object({ add: z.array(z.string()), remove: z.array(z.string()) })
    .nullable()
    .optional(),
}) satisfies z.ZodType<CommitIntent>;

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
  /**
   * The query copy's markers of the hour (query/markers.ts): `add` written ahead of every
   * object, `remove` deleted at the end. Absent in records of a Ferry without the copy.
   */
  queryMarkers?: QueryMarkers | null;
}

/**
 * Pending commits, one file each under `<data dir>/commits/` (written atomically, removed once
 * the hour's jobs are recorded).
 */
export class CommitLog {
  private readonly keepSet = new Set<string>();
  /** Recorded commits not finished yet, by id. */
  private readonly open = new Map<string, CommitIntent>();
  /** Commits a run of this process is making right now (nobody else may touch them). */
  private readonly active = new Set<string>();
  /** Per connection: the end of the last piece of commit housekeeping (one at a time). */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dir: string,
    private readonly guard: () => void = () => undefined,
  ) {}

  /** Upload ids and temp paths of recorded commits: leftover cleanup must not touch them. */
  get keep(): ReadonlySet<string> {
    return this.keepSet;
  }

  /** Record a commit a run is about to make (it stays the run's until `release`d or `done`). */
  async record(intent: CommitIntent): Promise<void> {
    this.guard();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path(intent.id), `${JSON.stringify(intent)}\n`);
    this.open.set(intent.id, intent);
    this.active.add(intent.id);
    for (const handle of intent.staged) this.keepSet.add(stagedId(handle));
  }

  /** The run gave its commit up unfinished: it is left to `finishOpen` and the next start. */
  release(intent: CommitIntent): void {
    this.active.delete(intent.id);
  }

  async done(intent: CommitIntent): Promise<void> {
    await rm(this.path(intent.id), { force: true });
    await syncDir(this.dir).catch(() => undefined);
    this.open.delete(intent.id);
    this.active.delete(intent.id);
    for (const handle of intent.staged) this.keepSet.delete(stagedId(handle));
  }

  /** A connection's recorded commits no run is making now, oldest first. */
  unfinished(connectionId: string): CommitIntent[] {
    return [...this.open.values()]
      .filter((i) => i.connectionId === connectionId && !this.active.has(i.id))
      .sort((a, b) => a.writtenAt.localeCompare(b.writtenAt));
  }

  /**
   * Run `work` on a connection's commits with no other piece of commit housekeeping of that
   * connection running (a run finishing an earlier commit while another run replaces it).
   */
  exclusive<T>(connectionId: string, work: () => Promise<T>): Promise<T> {
    const before = this.turns.get(connectionId) ?? Promise.resolve();
    const mine = before.then(work, work);
    const settled = mine.catch(() => undefined);
    this.turns.set(connectionId, settled);
    void settled.then(() => {
      if (this.turns.get(connectionId) === settled) this.turns.delete(connectionId);
    });
    return mine;
  }

  /**
   * Drop unfinished commits of an hour that is being exported again: the new run rewrites the
   * whole hour, so their staged objects are thrown away rather than made visible later.
   */
  supersede(connectionId: string, hour: string, sink: Sink): Promise<void> {
    return this.exclusive(connectionId, async () => {
      for (const intent of this.unfinished(connectionId)) {
        if (intent.hour !== hour) continue;
        await Promise.allSettled(intent.staged.map((handle) => sink.discard(handle)));
        await this.done(intent);
      }
    });
  }

  /**
   * Commits a killed process (or a run that gave up) left unfinished, oldest first. Unreadable
   * records are set aside (`.damaged`) and their hour is exported again — unless `readOnly`, for
   * a process that only looks (`ferry status`): it leaves every file as it is.
   */
  async pending(
    notify: (message: string) => void,
    { readOnly = false }: { readOnly?: boolean } = {},
  ): Promise<CommitIntent[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const intents: CommitIntent[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const path = join(this.dir, name);
      try {
        const intent = commitIntentSchema.parse(JSON.parse(await readFile(path, 'utf8')));
        intents.push(intent);
        this.open.set(intent.id, intent);
        for (const handle of intent.staged) this.keepSet.add(stagedId(handle));
      } catch (error) {
        if (readOnly) continue;
        await rename(path, `${path}.damaged`).catch(() => undefined);
        notify(
          `commits/${name} could not be read (${error instanceof z.ZodError ? 'not a commit record' : (error as Error).message}); it was kept as ${name}.damaged and its hour will be exported again.`,
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
 * A step of an hour's commit was refused (a completion, the deletion of stale partitions, the
 * manifest): part of the hour may be visible beside part of an earlier export until the commit
 * is finished. `cause` is the destination's own error.
 */
export class CommitRefused extends Error {
  constructor(
    override readonly cause: unknown,
    /** The hour being made visible. */
    readonly hour: string,
    /** What was refused, in words ("making …#6.json.gz visible", "deleting 3 stale partitions"). */
    readonly step: string,
    /** Objects of the hour visible so far, of all. */
    readonly visible: number,
    readonly total: number,
  ) {
    super(`${step} was refused: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'CommitRefused';
  }
}

/**
 * Make a written hour visible: commit every sealed object, then delete what an earlier export
 * had beyond it, then write the manifest (the query copy's markers first and last, see
 * query/markers.ts). Every step is safe to repeat, so a commit a kill cut
 * short is finished by running this again. Returns each key's ETag; a refused step throws
 * CommitRefused saying how far it got (StagedObjectLost as it is: the commit can never finish).
 * `etags` holds the objects an earlier try of this commit made visible: they are not asked again.
 */
/**
 * Proof, asked of the storage right before a step that makes part of an hour visible, that this
 * process may still make it so (the writer's fencing number; a worker's attempt at the hour).
 */
export type Fence = (at: { connectionId: string; hour: string; commitId: string }) => Promise<void>;

export async function commitHour(
  sink: Sink,
  intent: CommitIntent,
  etags = new Map<string, string | null>(),
  fence: Fence = async () => undefined,
): Promise<Map<string, string | null>> {
  const total = intent.staged.length;
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    // Proof this process may still write, right before each step (not retried: it is not the
    // bucket's refusal). A process another has replaced makes nothing more visible.
    await fence({ connectionId: intent.connectionId, hour: intent.hour, commitId: intent.id });
    try {
      return await run();
    } catch (error) {
      if (error instanceof StagedObjectLost) throw error;
      throw new CommitRefused(error, intent.hour, what, etags.size, total);
    }
  };
  const markers = intent.queryMarkers;
  if (markers && markers.add.length > 0 && etags.size === 0)
    await step(`Writing the query copy's markers ${sink.describe(markers.add[0]!)}, …`, () =>
      putMarkers(sink, markers.add),
    );
  for (const handle of intent.staged) {
    if (etags.has(handle.key)) continue;
    const done = await step(`Making ${sink.describe(handle.key)} visible`, () =>
      sink.commit(handle),
    );
    etags.set(handle.key, done.etag);
  }
  if (intent.stale.length > 0)
    await step(
      `Deleting ${plural(intent.stale.length, 'partition')} of an earlier export of ${hourText(intent.hour)}`,
      () => sink.deleteObjects(intent.stale),
    );
  const manifest = intent.manifest;
  if (manifest)
    await step(`Writing the manifest ${sink.describe(manifest.key)}`, () =>
      sink.putObject(manifest.key, Buffer.from(manifest.body), 'application/json'),
    );
  if (markers && markers.remove.length > 0)
    await step(
      `Deleting ${plural(markers.remove.length, 'marker')} of the earlier query copy`,
      () => sink.deleteObjects(markers.remove),
    );
  return etags;
}

/** Empty marker objects, a few at a time. */
async function putMarkers(sink: Sink, keys: string[]): Promise<void> {
  const EMPTY = Buffer.alloc(0);
  for (let i = 0; i < keys.length; i += 8)
    await Promise.all(
      keys.slice(i, i + 8).map((key) => sink.putObject(key, EMPTY, 'application/octet-stream')),
    );
}

/** Tries of a refused commit step within one run, and the first wait (doubled each try). */
export const COMMIT_TRIES = 4;
export const COMMIT_RETRY_MS = 2_000;

/**
 * `commitHour`, a refused step tried again up to `tries` times in all, waiting `wait(ms)` between
 * tries (which returns false when the wait was cut short: Ferry is stopping). Throws the last
 * refusal when every try was refused.
 */
export async function commitPatiently(
  sink: Sink,
  intent: CommitIntent,
  wait: (ms: number) => Promise<boolean>,
  tries = COMMIT_TRIES,
  firstWaitMs = COMMIT_RETRY_MS,
  fence?: Fence,
): Promise<Map<string, string | null>> {
  const etags = new Map<string, string | null>();
  for (let attempt = 1; ; attempt++) {
    try {
      return await commitHour(sink, intent, etags, fence);
    } catch (error) {
      if (!(error instanceof CommitRefused) || attempt >= tries) throw error;
      if (!(await wait(firstWaitMs * 2 ** (attempt - 1)))) throw error;
    }
  }
}

/** The id cleanup knows a staged object by: its upload id, or its temp file. */
export function stagedId(handle: StagedHandle): string {
  return handle.sink === 's3' ? handle.uploadId : handle.temp;
}
