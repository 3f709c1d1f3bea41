import type { AppInfo, Notice } from '../../shared/api/contract';
import type { Envelope } from '../../shared/api/errors';
import { FerryError } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import type { ApiMethod } from '../../shared/api/methods';
import type { MethodInput, MethodResult } from '../../shared/api/contract';
import { dispatch, type Handlers } from './api/dispatch';
import { Catalog, systemClock, type Clock } from './catalog';
import { openStore, type Store } from './store';
import { FERRY_VERSION, PRODUCT } from './version';

export interface EngineOptions {
  dataDir: string;
  /** Which transport serves this engine; shown in app info. */
  transport: AppInfo['transport'];
  /** What this process is, named to a second process that finds the data dir locked. */
  role: string;
  /** Open without the lock and refuse changes (read-only CLI commands). */
  readOnly?: boolean;
  clock?: Clock;
  electronVersion?: string | null;
  log?: (error: unknown) => void;
}

export interface Engine {
  readonly dataDir: string;
  /** Call a method by name with unchecked input, as a transport does. Never throws. */
  dispatch(method: unknown, input: unknown): Promise<Envelope<unknown>>;
  /** Call a method from trusted code; throws FerryError on failure. */
  call<M extends ApiMethod>(method: M, input?: MethodInput<M>): Promise<MethodResult<M>>;
  /** Listen to the push stream; returns the unsubscribe function. */
  subscribe(listener: (event: PushEvent) => void): () => void;
  /** Start-up notices (damaged files restored, …). */
  readonly notices: Notice[];
  close(): Promise<void>;
}

/**
 * Open a data dir and return the engine that serves the API contract over it.
 *
 * Everything the engine needs comes in through `options` (clock, logging) so tests can run it
 * on a temp folder with a fake clock; no transport code lives here.
 */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const clock = options.clock ?? systemClock;
  const store: Store = await openStore({
    dataDir: options.dataDir,
    role: options.role,
    readOnly: options.readOnly,
  });
  const listeners = new Set<(event: PushEvent) => void>();
  const emit = (event: PushEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        options.log?.(error);
      }
    }
  };
  const catalog = new Catalog(store.config, clock, emit);
  const startedAt = clock.now().toISOString();

  const handlers: Handlers = {
    'app.info': () => ({
      name: PRODUCT,
      version: FERRY_VERSION,
      transport: options.transport,
      platform: `${process.platform}-${process.arch}`,
      node: process.versions.node,
      electron: options.electronVersion ?? null,
      dataDir: store.dataDir,
      startedAt,
      notices: store.notices,
    }),
    'orgs.list': () => catalog.listOrgs(),
    'orgs.get': ({ id }) => catalog.getOrg(id),
    'orgs.create': (input) => catalog.createOrg(input),
    'orgs.update': (input) => catalog.updateOrg(input),
    'orgs.delete': ({ id }) => catalog.deleteOrg(id),
    'projects.list': (input) => catalog.listProjects(input?.orgId),
    'projects.get': ({ id }) => catalog.getProject(id),
    'projects.create': (input) => catalog.createProject(input),
    'projects.update': (input) => catalog.updateProject(input),
    'projects.delete': ({ id }) => catalog.deleteProject(id),
    'connections.list': (input) => catalog.listConnections(input?.projectId),
    'connections.get': ({ id }) => catalog.getConnection(id),
    'connections.create': (input) => catalog.createConnection(input),
    'connections.update': (input) => catalog.updateConnection(input),
    'connections.delete': ({ id }) => catalog.deleteConnection(id),
    'jobs.list': (input) => {
      const page = store.jobs.list(input);
      return page;
    },
  };

  let closed = false;
  return {
    dataDir: store.dataDir,
    notices: store.notices,
    dispatch: (method, input) =>
      dispatch(handlers, method, input, { readOnly: options.readOnly, log: options.log }),
    async call(method, input) {
      const result = await dispatch(handlers, method, input, {
        readOnly: options.readOnly,
        log: options.log,
      });
      if (!result.ok) throw FerryError.fromBody(result.error);
      return result.value as never;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      await store.close();
    },
  };
}
