import type {
  ArchivedConnection,
  ConnectionCreate,
  ConnectionUpdate,
} from '../../../shared/model/entities';
import { create } from 'zustand';
import { api } from '../../api/client';
import { attempt } from '../common/action';
import { createEntityStore } from '../common/entity-store';

export const useConnectionsStore = createEntityStore(() => ({
  list: () => api().connections.list(),
  create: (input: ConnectionCreate) => api().connections.create(input),
  update: (input: ConnectionUpdate) => api().connections.update(input),
  remove: (id: string) => api().connections.delete({ id }),
}));

/** Connections a KMS migration deleted: their jobs stay in the history, under these names. */
export const useArchivedConnections = create<{
  items: ArchivedConnection[];
  load(): Promise<void>;
}>()((set) => ({
  items: [],
  async load() {
    const result = await attempt(() => api().connections.archived());
    if (result.ok) set({ items: result.value });
  },
}));
