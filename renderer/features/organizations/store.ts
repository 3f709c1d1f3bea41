import type { OrganizationCreate, OrganizationUpdate } from '../../../shared/model/entities';
import { api } from '../../api/client';
import { createEntityStore } from '../common/entity-store';

export const useOrgsStore = createEntityStore(() => ({
  list: () => api().orgs.list(),
  create: (input: OrganizationCreate) => api().orgs.create(input),
  update: (input: OrganizationUpdate) => api().orgs.update(input),
  remove: (id: number) => api().orgs.delete({ id }),
}));
