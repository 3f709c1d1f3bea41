import { create } from 'zustand';
import type { Job, JobListQuery } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import { api } from '../../api/client';
import { attempt, type ActionResult } from '../common/action';

interface JobsState {
  query: JobListQuery;
  items: Job[];
  total: number;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  setQuery(query: JobListQuery): Promise<void>;
  load(): Promise<void>;
  /** Start exporting one hour now; the list fills in as the jobs report back. */
  exportHour(
    connectionId: string,
    hour: string,
    datasets: Dataset[],
  ): Promise<ActionResult<unknown>>;
  /** One job in full, for its detail view. */
  get(id: string): Promise<ActionResult<Job>>;
}

/** One page of job history, with the filters the contract offers. */
export const useJobsStore = create<JobsState>()((set, get) => ({
  query: { offset: 0, limit: 50 },
  items: [],
  total: 0,
  status: 'idle',
  error: null,
  async setQuery(query) {
    set({ query });
    await get().load();
  },
  async exportHour(connectionId, hour, datasets) {
    return attempt(() => api().jobs.exportHour({ connectionId, hour, datasets }));
  },
  async get(id) {
    return attempt(() => api().jobs.get({ id }));
  },
  async load() {
    set({ status: 'loading' });
    const result = await attempt(() => api().jobs.list(get().query));
    if (result.ok)
      set({ items: result.value.items, total: result.value.total, status: 'ready', error: null });
    else set({ status: 'error', error: result.message });
  },
}));
