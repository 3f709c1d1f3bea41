import { create } from 'zustand';
import { attempt, type ActionResult } from './action';

export interface EntityState<T, CreateInput, UpdateInput, Key> {
  items: T[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  load(): Promise<void>;
  create(input: CreateInput): Promise<ActionResult<T>>;
  update(input: UpdateInput): Promise<ActionResult<T>>;
  remove(key: Key): Promise<ActionResult<unknown>>;
}

interface EntityApi<T, CreateInput, UpdateInput, Key> {
  list(): Promise<T[]>;
  create(input: CreateInput): Promise<T>;
  update(input: UpdateInput): Promise<T>;
  remove(key: Key): Promise<unknown>;
}

/**
 * A feature store for one kind of entity (organizations, projects, connections).
 *
 * Actions call the API and then reload the list, so what the page shows is what the engine
 * stored; push events from other windows or the CLI trigger the same reload.
 */
export function createEntityStore<T, CreateInput, UpdateInput, Key>(
  entityApi: () => EntityApi<T, CreateInput, UpdateInput, Key>,
) {
  return create<EntityState<T, CreateInput, UpdateInput, Key>>()((set, get) => ({
    items: [],
    status: 'idle',
    error: null,
    async load() {
      if (get().status === 'idle') set({ status: 'loading' });
      const result = await attempt(() => entityApi().list());
      if (result.ok) set({ items: result.value, status: 'ready', error: null });
      else set({ status: 'error', error: result.message });
    },
    async create(input) {
      const result = await attempt(() => entityApi().create(input));
      if (result.ok) await get().load();
      return result;
    },
    async update(input) {
      const result = await attempt(() => entityApi().update(input));
      if (result.ok) await get().load();
      return result;
    },
    async remove(key) {
      const result = await attempt(() => entityApi().remove(key));
      if (result.ok) await get().load();
      return result;
    },
  }));
}
