import type { ProjectCreate, ProjectUpdate } from '../../../shared/model/entities';
import { api } from '../../api/client';
import { createEntityStore } from '../common/entity-store';

export const useProjectsStore = createEntityStore(() => ({
  list: () => api().projects.list(),
  create: (input: ProjectCreate) => api().projects.create(input),
  update: (input: ProjectUpdate) => api().projects.update(input),
  remove: (id: number) => api().projects.delete({ id }),
}));
