import { create } from 'zustand';
import type { AuditEntry, AuditOutcome } from '../../../shared/model/audit';
import { api } from '../../api/client';
import { attempt } from '../common/action';

export interface AuditFilter {
  who: string | null;
  outcome: AuditOutcome | null;
}

interface AuditState {
  /** Newest first: the first page and every older page asked for since. */
  entries: AuditEntry[];
  /** Where the next older page starts; null at the oldest entry. */
  next: number | null;
  /** Everyone who has (or had) a token. */
  people: string[];
  loaded: boolean;
  loadingMore: boolean;
  /** The log could not be read (team mode only, or Ferry out of reach). */
  error: string | null;
  /** Read the newest page that matches `filter` (the older pages shown are dropped). */
  load(filter: AuditFilter): Promise<void>;
  /** Add the next older page of the same filter. */
  more(): Promise<void>;
}

const PAGE = 50;
// The filter of the page shown, and a count of reads, so an answer to an older question is
// never shown over a newer one.
let shown: AuditFilter = { who: null, outcome: null };
let reads = 0;

const ask = (filter: AuditFilter, before: number | null) =>
  api().audit.list({
    limit: PAGE,
    ...(filter.who && { who: filter.who }),
    ...(filter.outcome && { outcome: filter.outcome }),
    ...(before !== null && { before }),
  });

export const useAuditStore = create<AuditState>()((set, get) => ({
  entries: [],
  next: null,
  people: [],
  loaded: false,
  loadingMore: false,
  error: null,
  async load(filter) {
    const read = ++reads;
    shown = filter;
    const result = await attempt(() => ask(filter, null));
    if (read !== reads) return;
    if (result.ok) set({ ...result.value, loaded: true, loadingMore: false, error: null });
    else set({ loaded: true, loadingMore: false, error: result.message });
  },
  async more() {
    const { next, loadingMore } = get();
    if (next === null || loadingMore) return;
    const read = ++reads;
    set({ loadingMore: true });
    const result = await attempt(() => ask(shown, next));
    if (read !== reads) return;
    if (result.ok)
      set((s) => ({
        entries: [...s.entries, ...result.value.entries],
        next: result.value.next,
        people: result.value.people,
        loadingMore: false,
      }));
    else set({ loadingMore: false, error: result.message });
  },
}));
