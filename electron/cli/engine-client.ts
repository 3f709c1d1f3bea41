import type { MethodInput, MethodResult, Notice } from '../../shared/api/contract';
import type { ApiMethod } from '../../shared/api/methods';
import { FerryError, type Envelope } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import type { Engine } from '../engine';
import type { LocalApiRecord } from '../server/local-api';

/**
 * What a `ferry` command talks to: the engine this process opened on the data folder, or the
 * running Ferry that holds it (serve, run, the desktop app) through its local API. Both answer
 * the same contract, so a command prints the same and exits the same either way.
 */
export interface EngineClient {
  readonly dataDir: string;
  /** Start-up notices of an engine this process opened (none for a running Ferry's). */
  readonly notices: readonly Notice[];
  call<M extends ApiMethod>(method: M, input?: MethodInput<M>): Promise<MethodResult<M>>;
  subscribe(listener: (event: PushEvent) => void): () => void;
  /** Resolves once every event after it reaches the listeners (a remote stream is open). */
  opened(): Promise<void>;
  /** Stop: this process's engine closes (its runs are cancelled); a remote one is let go. */
  close(): Promise<void>;
  /** The running Ferry the calls go to; null when this process opened the data folder. */
  readonly via: LocalApiRecord | null;
  /** The engine this process opened, for what only it can do; null when remote. */
  readonly local: Engine | null;
}

/** How long a running Ferry has to answer before a command says it does not. */
export const ANSWER_WITHIN_MS = 5_000;

/** This process's own engine as a client. */
export function localClient(engine: Engine): EngineClient {
  return {
    dataDir: engine.dataDir,
    notices: engine.notices,
    call: (method, input) => engine.call(method, input),
    subscribe: (listener) => engine.subscribe(listener),
    opened: async () => undefined,
    close: () => engine.close(),
    via: null,
    local: engine,
  };
}

/** "ferry serve (pid 4242)": the running Ferry, as a message names it. */
export function describeRunning(record: LocalApiRecord): string {
  return `${record.role} (pid ${record.pid})`;
}

/**
 * The running Ferry's API as a client: calls are POSTs with its token, events come from its
 * event stream (opened on the first `subscribe`). Lost contact is an error that says so — a
 * command never waits for events that can no longer come.
 */
export function remoteClient(dataDir: string, record: LocalApiRecord): EngineClient {
  const listeners = new Set<(event: PushEvent) => void>();
  const who = describeRunning(record);
  let stream: { controller: AbortController; open: Promise<void> } | null = null;
  let closed = false;

  const lost = (reason: string) => {
    for (const listener of listeners)
      listener({
        type: 'notice',
        notice: {
          level: 'error',
          message: `Lost contact with ${who}, which runs this data folder (${reason}). What it was doing goes on there; see ferry jobs.`,
        },
      } as PushEvent);
  };

  const openStream = () => {
    const controller = new AbortController();
    const open = (async () => {
      // The stream's first answer is due at once; the stream itself lasts as long as needed.
      const late = setTimeout(
        () => controller.abort(new DOMException('no answer', 'TimeoutError')),
        ANSWER_WITHIN_MS,
      );
      const answer = await fetch(`${record.origin}/api/events`, {
        headers: { Authorization: `Bearer ${record.token}`, Accept: 'text/event-stream' },
        signal: controller.signal,
      })
        .catch((error: unknown) => {
          throw unreachable(who, controller.signal.reason ?? error, ANSWER_WITHIN_MS);
        })
        .finally(() => clearTimeout(late));
      if (!answer.ok || !answer.body)
        throw new FerryError(
          'upstream',
          `${who} refused its event stream (HTTP ${answer.status}).`,
        );
      void readEvents(answer.body, (event) => {
        for (const listener of listeners) listener(event);
      }).then(
        () => closed || lost('it stopped'),
        (error: unknown) => closed || lost((error as Error).message),
      );
    })();
    open.catch(() => undefined);
    return { controller, open };
  };

  /** Send one call; `within`: give up after that long (a stopped or stuck process). */
  const send = async (method: string, input: unknown, within?: number): Promise<Response> => {
    try {
      return await fetch(`${record.origin}/api/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${record.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        ...(within !== undefined && { signal: AbortSignal.timeout(within) }),
      });
    } catch (error) {
      throw unreachable(who, error, within);
    }
  };
  // Asked once, quickly, before the first call: a call itself may rightly take long (an AWS
  // check), but a Ferry that does not answer at all is said at once, not waited for forever.
  let alive: Promise<unknown> | null = null;

  return {
    dataDir,
    notices: [],
    async call(method, input) {
      alive ??= send('app.info', {}, ANSWER_WITHIN_MS);
      await alive;
      const answer = await send(method, input);
      const body = (await answer.json().catch(() => null)) as Envelope<unknown> | null;
      if (!body)
        throw new FerryError(
          'upstream',
          `${who} sent an answer that is not JSON (HTTP ${answer.status}).`,
        );
      if (!body.ok) throw FerryError.fromBody(body.error);
      return body.value as never;
    },
    subscribe(listener) {
      listeners.add(listener);
      stream ??= openStream();
      return () => listeners.delete(listener);
    },
    async opened() {
      await stream?.open;
    },
    async close() {
      closed = true;
      stream?.controller.abort();
    },
    via: record,
    local: null,
  };
}

function unreachable(who: string, error: unknown, within?: number): FerryError {
  const timedOut = (error as Error).name === 'TimeoutError';
  const cause = timedOut
    ? `nothing within ${(within ?? 0) / 1000} s`
    : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
  return new FerryError(
    'upstream',
    `${who} holds this data folder but did not answer (${cause}). If it is stopped or stuck, end it and try again.`,
  );
}

/** Read a server-sent event stream: each `data:` line is one JSON push event. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: PushEvent) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data) onEvent(JSON.parse(data) as PushEvent);
    }
  }
}
