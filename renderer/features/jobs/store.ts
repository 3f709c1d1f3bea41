import { create } from 'zustand';
import type { Job, JobListQuery } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import { api } from '../../api/client';
import { attempt, type ActionResult } from '../common/action';
import { savedPageSize as savedTablePageSize } from '../common/table-preferences';

interface JobsState {
  query: JobListQuery;
  items: Job[];
  total: number;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  /** Bumped whenever the history changed (charts redraw on it). */
  version: number;
  /** The job whose details the split panel shows. */
  selected: Job | null;
  select(job: Job | null): void;
  setQuery(query: JobListQuery): Promise<void>;
  load(): Promise<void>;
  /** Reload soon, once, however many jobs report in meanwhile (a backfill sends many). */
  reloadSoon(): void;
  /** Start exporting one hour now; the list fills in as the jobs report back. */
  exportHour(
    connectionId: string,
    hour: string,
    datasets: Dataset[],
  ): Promise<ActionResult<{ started: { dataset: Dataset; hour: string }[] }>>;
  /** One job in full, for its detail view. */
  get(id: string): Promise<ActionResult<Job>>;
  /** Every job of a job's hour (its connection and data set), newest first: its tries. */
  hourHistory(job: Job): Promise<ActionResult<Job[]>>;
}

const RELOAD_DELAY_MS = 300;
/** The page size the admin picked last for the Jobs table (25 by default: paints fast). */
export const savedPageSize = () => savedTablePageSize('jobs');

/** True when two queries differ only in which page they ask for. */
const sameFilter = (a: JobListQuery, b: JobListQuery) =>
  JSON.stringify({ ...a, offset: 0 }) === JSON.stringify({ ...b, offset: 0 });
let reloadTimer: ReturnType<typeof setTimeout> | null = null;
let loadSeq = 0;

/** One page of job history, with the filters the contract offers. */
export const useJobsStore = create<JobsState>()((set, get) => ({
  query: { offset: 0, limit: savedPageSize() },
  items: [],
  total: 0,
  status: 'idle',
  error: null,
  version: 0,
  selected: null,
  select: (selected) => set({ selected }),
  async setQuery(query) {
    // Rows of another filter are never shown under this one: clear them until the answer.
    if (sameFilter(query, get().query)) set({ query });
    else set({ query, items: [], total: 0 });
    await get().load();
  },
  async exportHour(connectionId, hour, datasets) {
    return attempt(() => api().jobs.exportHour({ connectionId, hour, datasets }));
  },
  async get(id) {
    return attempt(() => api().jobs.get({ id }));
  },
  hourHistory: (job) =>
    attempt(
      async () =>
        (
          await api().jobs.list({
            connectionId: job.connectionId,
            dataset: job.dataset,
            hourFrom: job.hour,
            hourTo: job.hour,
            limit: 100,
          })
        ).items,
    ),
  reloadSoon() {
    if (reloadTimer) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      set({ version: get().version + 1 });
      if (get().status !== 'idle') void get().load();
    }, RELOAD_DELAY_MS);
  },
  async load() {
    const seq = ++loadSeq;
    set({ status: 'loading' });
    const result = await attempt(() => api().jobs.list(get().query));
    if (seq !== loadSeq) return; // a newer query answered first
    if (result.ok)
      set({ items: result.value.items, total: result.value.total, status: 'ready', error: null });
    else set({ status: 'error', error: result.message });
  },
}));
