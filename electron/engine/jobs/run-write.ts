import type { PushEvent } from '../../../shared/api/events';
import type { Connection, Organization, Project } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import type { Job } from '../../../shared/model/jobs';
import type { WorkerPool } from '../pipeline/pool';
import type { HourJobsPort } from '../store/ports';
import { checkHourEnded, type ClockWitness } from '../time/witness';
import { recordedCount } from './earlier-export';
import { prefixOf, type Endpoints } from './endpoints';
import type { HourCommits } from './hour-commit';
import { writeHour, type StagedDataset } from './hour-writer';

/** What writing a run needs of the export service. */
export interface RunWriteDeps {
  endpoints: Endpoints;
  commits: HourCommits;
  deps: {
    jobs: HourJobsPort;
    pool: WorkerPool;
    emit(event: PushEvent): void;
    witness?: ClockWitness;
  };
}

/** How often an export's progress is pushed to the consoles. */
const PROGRESS_EVERY_MS = 500;

/** Write the run's datasets, staged; an earlier unfinished commit of the hour is dropped. */
export async function writeRun(
  { endpoints, commits, deps }: RunWriteDeps,
  run: { hour: string; datasets: Dataset[] },
  { connection, project, org }: { connection: Connection; project: Project; org: Organization },
  jobs: Job[],
  signal: AbortSignal,
): Promise<StagedDataset[]> {
  const source = await endpoints.sourceFor(project);
  const sink = await endpoints.sinkFor(connection);
  // Earlier hours left unfinished are finished first; this hour's is replaced by this run.
  await commits.prepare(connection, project, run.hour, sink);
  const eventsJob = jobs.find((j) => j.dataset === 'events');
  let lastProgress = 0;
  const witness = deps.witness;
  const mark = witness?.mark();
  return writeHour({
    hour: run.hour,
    datasets: run.datasets,
    projectId: project.id,
    orgId: org.id,
    prefix: prefixOf(connection),
    source,
    sink,
    pool: deps.pool,
    options: connection.options,
    signal,
    keep: commits.log.keep,
    recorded: (dataset, objects) =>
      recordedCount(deps.jobs, connection.id, dataset, run.hour, objects),
    // The destination listed the hour and the source answered: their clocks have spoken.
    hourEnded: () => {
      if (witness && mark !== undefined)
        checkHourEnded(run.hour, witness.theirNowSince(mark), witness.localNow());
    },
    onProgress: ({ events, bytes }) => {
      const now = Date.now();
      if (!eventsJob || now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      deps.emit({
        type: 'job.progress',
        jobId: eventsJob.id,
        eventsDone: events,
        bytesDone: bytes,
      });
    },
  });
}
