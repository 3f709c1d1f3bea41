import { create } from 'zustand';
import type { MethodResult } from '../../../shared/api/contract';
import type { QueryTablePlan } from '../../../shared/aws/glue-table';
import { api } from '../../api/client';
import { attempt, type ActionResult } from '../common/action';

/** The Glue tables over each connection's query copy, as the catalog holds them (query.plan). */
export const useQueryTableStore = create<{
  plans: Record<string, ActionResult<QueryTablePlan> | undefined>;
  busy: Record<string, boolean>;
  check(connectionId: string): Promise<void>;
  apply(connectionId: string): Promise<ActionResult<MethodResult<'query.apply'>>>;
}>()((set) => ({
  plans: {},
  busy: {},
  async check(connectionId) {
    set((s) => ({ busy: { ...s.busy, [connectionId]: true } }));
    const plan = await attempt(() => api().query.plan({ connectionId }));
    set((s) => ({
      plans: { ...s.plans, [connectionId]: plan },
      busy: { ...s.busy, [connectionId]: false },
    }));
  },
  async apply(connectionId) {
    set((s) => ({ busy: { ...s.busy, [connectionId]: true } }));
    const result = await attempt(() => api().query.apply({ connectionId }));
    set((s) => ({
      plans: result.ok
        ? { ...s.plans, [connectionId]: { ok: true, value: result.value.plan } }
        : s.plans,
      busy: { ...s.busy, [connectionId]: false },
    }));
    return result;
  },
}));
