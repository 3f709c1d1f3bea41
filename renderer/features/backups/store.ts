import { create } from 'zustand';
import type { MethodResult } from '../../../shared/api/contract';
import type { Backup } from '../../../shared/model/settings';
import { api } from '../../api/client';
import { attempt, type ActionResult } from '../common/action';
import { formatDocument } from '../../../shared/aws/policies';
import { BACKUP_KIND_WORDS } from '../../../shared/model/words';
import { downloadText } from '../common/download';

export type BackupComparison = MethodResult<'backups.compare'>;
export type BackupRestore = MethodResult<'backups.restore'>;

interface BackupsState {
  /** Every backup, newest first. */
  items: Backup[];
  loaded: boolean;
  /** The list could not be read (not: there are none). */
  error: string | null;
  load(): Promise<void>;
  /** The kept document next to the one in AWS now. */
  compare(id: string): Promise<ActionResult<BackupComparison>>;
  /** Put a backup back; what it replaces is backed up first (and listed). */
  restore(id: string, whole?: boolean, confirmName?: string): Promise<ActionResult<BackupRestore>>;
  /** Save the document a backup kept as a file, as AWS takes it (no Ferry record around it). */
  download(id: string): Promise<ActionResult<string>>;
}

export const useBackupsStore = create<BackupsState>()((set, get) => ({
  items: [],
  loaded: false,
  error: null,
  async load() {
    const result = await attempt(() => api().backups.list());
    if (result.ok) set({ items: result.value, loaded: true, error: null });
    else set({ error: result.message });
  },
  compare: (id) => attempt(() => api().backups.compare({ id })),
  async restore(id, whole = false, confirmName) {
    const result = await attempt(() =>
      api().backups.restore({ id, whole, ...(confirmName !== undefined && { confirmName }) }),
    );
    if (result.ok) await get().load();
    return result;
  },
  download: (id) =>
    attempt(async () => {
      const { backup, document } = await api().backups.show({ id });
      // The document itself, ready to paste into AWS — not Ferry's record around it.
      if (document === null)
        throw new Error(
          `There was no ${BACKUP_KIND_WORDS[backup.kind].toLowerCase()} on ${backup.target} when this backup was taken: nothing to download.`,
        );
      const fileName = `${backup.id}-${backup.kind}.json`;
      downloadText(fileName, `${formatDocument(document)}\n`, 'application/json');
      return fileName;
    }),
}));
