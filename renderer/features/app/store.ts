import { create } from 'zustand';
import type { AppInfo } from '../../../shared/api/contract';
import type { PushEvent } from '../../../shared/api/events';
import { api } from '../../api/client';
import { MissingTokenError } from '../../api/transport';
import { watchLink } from './link';
import { settleFlashes, type ExportWatch, type Flash } from './flash-watch';
import { useMigrationStore } from '../migration/store';
import { useConnectionsStore } from '../connections/store';
import { useJobsStore } from '../jobs/store';
import { useScheduleStore } from '../schedule/store';
import { useOrgsStore } from '../organizations/store';
import { useProjectsStore } from '../projects/store';

export type { ExportWatch, Flash };

/** How a message behaves beyond its words. */
export interface FlashOptions {
  /** Kept across pages (Ferry's own notices). */
  sticky?: boolean;
  /** The export it announces: replaced by how it went. */
  watch?: ExportWatch;
  /** The next step as a button. */
  action?: Flash['action'];
}

export interface AppState {
  state: 'loading' | 'ready' | 'needs-token' | 'error';
  error: string | null;
  info: AppInfo | null;
  flashes: Flash[];
  /**
   * Whether Ferry answers now. While `down` the console keeps showing what it last read (as of
   * `seenAt`), looks again every few seconds, and reloads everything once Ferry is back.
   */
  link: 'up' | 'down';
  /** When Ferry last answered before the link went down (ISO). */
  seenAt: string | null;
  /** Load what the first page shows; ready once `firstPage` (its code) is here too. */
  start(firstPage?: Promise<void>): Promise<void>;
  /** Say something; returns the message's id (to dismiss it). */
  flash(type: Flash['type'], content: string, options?: FlashOptions): string;
  /** The admin went to another page: what was said about the last one goes. */
  leavePage(): void;
  dismiss(id: string): void;
}

let flashCounter = 0;

/**
 * The console as a whole: start-up (app info, first lists, the push stream) and flash messages.
 * `state` drives `data-app-state` on the root element, which tests wait on.
 */
export const useAppStore = create<AppState>()((set, get) => ({
  state: 'loading',
  error: null,
  info: null,
  flashes: [],
  link: 'up',
  seenAt: null,
  async start(firstPage = Promise.resolve()) {
    try {
      // Asked together: the first page waits for one round trip, not two. Its code too, so it
      // shows whole at once instead of a spinner that React then holds back for 300 ms.
      const [info] = await Promise.all([api().app.info(), loadLists(), firstPage]);
      set({ info, state: 'ready' });
      for (const notice of info.notices)
        get().flash(notice.level === 'info' ? 'info' : notice.level, notice.message, {
          sticky: true,
        });
      watchLink({
        subscribe: () => api().subscribe(onPush),
        probe: () => api().app.info(),
        onDown: (seenAt) => set({ link: 'down', seenAt }),
        onUp: () => {
          set({ link: 'up', seenAt: null });
          void loadLists();
          useJobsStore.getState().reloadSoon();
        },
        onRefused: () => set({ state: 'needs-token', link: 'up' }),
      });
    } catch (error) {
      if (error instanceof MissingTokenError) set({ state: 'needs-token' });
      else set({ state: 'error', error: (error as Error).message });
    }
  },
  flash(type, content, { sticky = false, watch, action } = {}) {
    const id = `flash-${++flashCounter}`;
    // The same words twice are one message, not a stack.
    const same = get().flashes.find((f) => f.type === type && f.content === content);
    if (same) return same.id;
    // A new success replaces the previous one: "created org", then "added project" is one story.
    const kept =
      type === 'success' ? get().flashes.filter((f) => f.type !== 'success') : get().flashes;
    const flash: Flash = {
      id,
      type,
      content,
      sticky,
      ...(watch ? { watch } : {}),
      ...(action ? { action } : {}),
    };
    set({ flashes: [...kept, flash] });
    return id;
  },
  leavePage() {
    if (get().flashes.some((f) => !f.sticky))
      set({ flashes: get().flashes.filter((f) => f.sticky) });
  },
  dismiss(id) {
    set({ flashes: get().flashes.filter((f) => f.id !== id) });
  },
}));

function loadLists(): Promise<unknown> {
  return Promise.all([
    useOrgsStore.getState().load(),
    useProjectsStore.getState().load(),
    useConnectionsStore.getState().load(),
    useScheduleStore.getState().load(),
    useMigrationStore.getState().load(),
  ]);
}

/** Keep lists fresh when the engine reports a change made elsewhere (CLI, another window). */
function onPush(event: PushEvent): void {
  switch (event.type) {
    case 'entity.changed':
      if (event.entity === 'organization') void useOrgsStore.getState().load();
      if (event.entity === 'project') void useProjectsStore.getState().load();
      if (event.entity === 'connection') void useConnectionsStore.getState().load();
      if (event.entity === 'migration') void useMigrationStore.getState().load();
      break;
    case 'job.updated': {
      useJobsStore.getState().reloadSoon();
      const { flashes } = useAppStore.getState();
      const settled = settleFlashes(flashes, event.job);
      if (settled !== flashes) useAppStore.setState({ flashes: settled });
      break;
    }
    case 'schedule.status':
      useScheduleStore.getState().setStatus(event.status);
      break;
    case 'backfill.updated':
      useScheduleStore.getState().setBackfill(event.backfill);
      break;
    case 'notification':
      useAppStore
        .getState()
        .flash(
          event.notification.level,
          `${event.notification.title}: ${event.notification.body}`,
          { sticky: true },
        );
      break;
    case 'notice':
      useAppStore
        .getState()
        .flash(event.notice.level === 'info' ? 'info' : event.notice.level, event.notice.message, {
          sticky: true,
        });
      break;
    default:
      break;
  }
}
