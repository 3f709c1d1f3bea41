import { create } from 'zustand';
import type { Job, JobListQuery } from '../../../shared/model/entities';
import { api } from '../../api/client';
import { attempt } from '../common/action';

interface JobsState {
  query: JobListQuery;
  items: Job[];
  total: number;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  setQuery(query: JobListQuery): Promise<void>;
  load(): Promise<void>;
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
  async load() {
    set({ status: 'loading' });
    const result = await attempt(() => api().jobs.list(get().query));
    if (result.ok)
      set({ items: result.value.items, total: result.value.total, status: 'ready', error: null });
    else set({ status: 'error', error: result.message });
  },
}));
