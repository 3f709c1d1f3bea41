import { create } from 'zustand';
import type { MigrationNextInput, MigrationView } from '../../../shared/model/migration';
import { api } from '../../api/client';
import { attempt, type ActionResult } from '../common/action';
import { downloadText } from '../common/download';

interface MigrationState {
  /** Every migration, newest first (a connection's current one is the first that names it). */
  items: MigrationView[];
  loaded: boolean;
  /** A step or rollback is running. */
  busy: boolean;
  load(): Promise<void>;
  start(connectionId: string, name?: string): Promise<ActionResult<MigrationView>>;
  next(input: MigrationNextInput): Promise<ActionResult<MigrationView>>;
  rollback(id: string, deleteKey: boolean): Promise<ActionResult<MigrationView>>;
  /** Save the Markdown runbook as a file. */
  downloadRunbook(id: string): Promise<ActionResult<string>>;
}

/** The migration of a connection (old or new), newest first; null when there is none. */
export function migrationOf(items: MigrationView[], connectionId: string): MigrationView | null {
  return (
    items.find((m) => m.oldConnectionId === connectionId || m.newConnectionId === connectionId) ??
    null
  );
}

export const useMigrationStore = create<MigrationState>()((set, get) => {
  /** Run a change and put its answer in the list. */
  const change = async (run: () => Promise<MigrationView>) => {
    set({ busy: true });
    const result = await attempt(run);
    set({ busy: false });
    if (result.ok) {
      const others = get().items.filter((m) => m.id !== result.value.id);
      set({
        items: [result.value, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
      });
    }
    return result;
  };
  return {
    items: [],
    loaded: false,
    busy: false,
    async load() {
      const result = await attempt(() => api().migrations.list());
      if (result.ok) set({ items: result.value, loaded: true });
    },
    start: (connectionId, name) => change(() => api().migrations.start({ connectionId, name })),
    next: (input) => change(() => api().migrations.next(input)),
    rollback: (id, deleteKey) => change(() => api().migrations.rollback({ id, deleteKey })),
    async downloadRunbook(id) {
      return attempt(async () => {
        const book = await api().migrations.runbook({ id });
        downloadText(book.fileName, book.markdown, 'text/markdown');
        return book.fileName;
      });
    },
  };
});
