import type { ConnectionCreate, ConnectionUpdate } from '../../../shared/model/entities';
import { api } from '../../api/client';
import { createEntityStore } from '../common/entity-store';

export const useConnectionsStore = createEntityStore(() => ({
  list: () => api().connections.list(),
  create: (input: ConnectionCreate) => api().connections.create(input),
  update: (input: ConnectionUpdate) => api().connections.update(input),
  remove: (id: string) => api().connections.delete({ id }),
}));
