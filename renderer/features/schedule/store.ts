import { create } from 'zustand';
import type { MethodInput } from '../../../shared/api/contract';
import { setupTargetFor, type VerifyReport } from '../../../shared/model/aws';
import type { Connection } from '../../../shared/model/entities';
import type { Backfill } from '../../../shared/model/jobs';
import type {
  BackfillHour,
  BackfillPreview,
  ConnectionStatus,
  HourStat,
} from '../../../shared/model/schedule';
import { api } from '../../api/client';
import { attempt, type ActionResult } from '../common/action';

type Range = MethodInput<'backfills.start'>;

interface ScheduleState {
  /** Each connection's status, kept current by the push stream. */
  statuses: Record<string, ConnectionStatus>;
  /** Backfills, newest first, kept current by the push stream. */
  backfills: Backfill[];
  load(): Promise<void>;
  setStatus(status: ConnectionStatus): void;
  setBackfill(backfill: Backfill): void;
  resume(connectionId: string): Promise<ActionResult<ConnectionStatus>>;
  takeOver(
    connectionId: string,
  ): Promise<ActionResult<{ removed: { host: string; since: string | null }[] }>>;
  /**
   * Check a connection's destination as an export uses it — S3 access, or a folder's presence,
   * write and room (its status follows the result).
   */
  verify(connection: Connection): Promise<ActionResult<VerifyReport>>;
  preview(range: Range): Promise<ActionResult<BackfillPreview>>;
  startBackfill(range: Range): Promise<ActionResult<Backfill>>;
  cancelBackfill(id: string): Promise<ActionResult<Backfill>>;
  stats(query: MethodInput<'jobs.stats'>): Promise<ActionResult<HourStat[]>>;
  hours(id: string): Promise<ActionResult<{ items: BackfillHour[]; total: number }>>;
  retryJob(id: string): Promise<ActionResult<{ queued: number }>>;
  cancelJob(id: string): Promise<ActionResult<{ cancelled: true }>>;
  retryFailed(connectionId?: string): Promise<ActionResult<{ queued: number }>>;
}

/** The schedule as the console sees it: connection statuses, backfills, retries. */
export const useScheduleStore = create<ScheduleState>()((set, get) => ({
  statuses: {},
  backfills: [],
  async load() {
    const [statuses, backfills] = await Promise.all([
      attempt(() => api().schedule.status()),
      attempt(() => api().backfills.list()),
    ]);
    if (statuses.ok)
      set({ statuses: Object.fromEntries(statuses.value.map((s) => [s.connectionId, s])) });
    if (backfills.ok) set({ backfills: backfills.value });
  },
  setStatus(status) {
    set({ statuses: { ...get().statuses, [status.connectionId]: status } });
  },
  setBackfill(backfill) {
    // Answers and pushes can cross (a start's answer after its first pushes): never go back.
    const known = get().backfills.find((b) => b.id === backfill.id);
    const ended = (b: Backfill) => b.succeeded + b.failed + b.cancelled;
    if (
      known &&
      backfill.status === 'running' &&
      (known.status !== 'running' || ended(known) > ended(backfill))
    )
      return;
    const others = get().backfills.filter((b) => b.id !== backfill.id);
    set({
      backfills: [backfill, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    });
  },
  verify(connection) {
    const dest = connection.destination;
    if (dest.type === 'folder')
      return attempt(() => api().connections.verifyFolder({ id: connection.id }));
    return attempt(() =>
      api().aws.verify({
        target: setupTargetFor(connection)!,
        form: dest.roleArn ? 'role' : 'legacy',
      }),
    );
  },
  takeOver(connectionId) {
    return attempt(() => api().connections.takeOver({ id: connectionId }));
  },
  async resume(connectionId) {
    const result = await attempt(() => api().schedule.resume({ id: connectionId }));
    if (result.ok) get().setStatus(result.value);
    return result;
  },
  preview: (range) => attempt(() => api().backfills.preview(range)),
  async startBackfill(range) {
    const result = await attempt(() => api().backfills.start(range));
    if (result.ok) get().setBackfill(result.value);
    return result;
  },
  async cancelBackfill(id) {
    const result = await attempt(() => api().backfills.cancel({ id }));
    if (result.ok) get().setBackfill(result.value);
    return result;
  },
  stats: (query) => attempt(() => api().jobs.stats(query)),
  hours: (id) => attempt(() => api().backfills.hours({ id })),
  retryJob: (id) => attempt(() => api().jobs.retry({ id })),
  cancelJob: (id) => attempt(() => api().jobs.cancel({ id })),
  retryFailed: (connectionId) => attempt(() => api().jobs.retryFailed({ connectionId })),
}));
