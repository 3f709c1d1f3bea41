import type { FerryBridge } from '../../shared/api/bridge';
import type { Envelope } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import { batching } from './batching';

/** What a call says when Ferry does not answer; cleared wherever shown once it answers again. */
export const UNREACHABLE = 'Ferry is not reachable. Is the ferry serve command still running?';
import { splitMethod, type ApiMethod } from '../../shared/api/methods';

declare global {
  interface Window {
    /** Present in the desktop app (the preload's bridge); absent in a browser. */
    ferry?: FerryBridge;
  }
}

/**
 * Whether the engine answers: `up`, `down` (not reachable: the server stopped, the tunnel
 * dropped) or `refused` (it answers, but not to this tab's token: it was restarted).
 */
export type Link = 'up' | 'down' | 'refused';

/** How the console reaches the engine: Electron IPC or the headless HTTP server. */
export interface Transport {
  kind: 'electron' | 'http';
  call(method: ApiMethod, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (event: PushEvent) => void): () => void;
  /** Hear how the link to the engine is (IPC never goes down, so it never says). */
  onLink(listener: (link: Link) => void): () => void;
}

/** Raised when the headless console was opened without its token (or with an old one). */
export class MissingTokenError extends Error {}

const TOKEN_KEY = 'ferry.token';

/** A call a batch left unanswered (never, from this Ferry's server). */
const BATCH_ANSWERED_SHORT: Envelope<never> = {
  ok: false,
  error: { code: 'internal', message: 'Ferry answered fewer calls than it was asked' },
};

/** Pick the transport at start: the preload bridge when present, else HTTP to our origin. */
export function pickTransport(win: Window = window): Transport {
  if (win.ferry) return ipcTransport(win.ferry);
  return httpTransport(takeToken(win));
}

function ipcTransport(bridge: FerryBridge): Transport {
  return {
    kind: 'electron',
    call(method, input) {
      const [group, name] = splitMethod(method);
      const fn = (
        bridge as unknown as Record<
          string,
          Record<string, (i: unknown) => Promise<Envelope<unknown>>>
        >
      )[group]?.[name];
      if (!fn)
        return Promise.resolve({
          ok: false,
          error: { code: 'unknown_method', message: `Unknown method ${method}` },
        });
      return fn(input);
    },
    subscribe: (listener) => bridge.onEvent(listener),
    onLink: () => () => undefined,
  };
}

/**
 * Read the access token from `?token=` (then drop it from the address bar) or from this tab's
 * session, where it survives reloads.
 */
function takeToken(win: Window): string | null {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    win.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return win.sessionStorage.getItem(TOKEN_KEY);
}

function httpTransport(token: string | null): Transport {
  const linkListeners = new Set<(link: Link) => void>();
  const tell = (link: Link) => {
    for (const listener of linkListeners) listener(link);
  };
  /** One POST to the API: its envelope, or an error the console shows for any call. */
  const post = async (method: string, input: unknown): Promise<Envelope<unknown>> => {
    if (!token) throw new MissingTokenError('no token');
    let response: Response;
    try {
      response = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: input === undefined ? '' : JSON.stringify(input),
      });
    } catch {
      tell('down');
      return {
        ok: false,
        error: {
          code: 'unavailable',
          message: UNREACHABLE,
        },
      };
    }
    if (response.status === 401) {
      tell('refused');
      throw new MissingTokenError(
        'This console’s access link no longer works (Ferry was restarted): open the URL that ferry serve printed.',
      );
    }
    tell('up');
    return (await response.json()) as Envelope<unknown>;
  };
  const call = batching(post, async (calls) => {
    const answer = await post('batch', { calls });
    const answers = answer.ok ? (answer.value as Envelope<unknown>[]) : [];
    // A batch refused whole (or answered short) is each call's answer.
    return calls.map((_, i) => answers[i] ?? (answer.ok ? BATCH_ANSWERED_SHORT : answer));
  });
  return {
    kind: 'http',
    call,
    subscribe(listener) {
      if (!token) return () => undefined;
      const source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
      source.onmessage = (message: MessageEvent<string>) =>
        listener(JSON.parse(message.data) as PushEvent);
      source.onopen = () => tell('up');
      // The browser retries a dropped stream by itself, but gives up on a refused one: either
      // way the console looks again (app store), and subscribes anew once Ferry answers.
      source.onerror = () => tell('down');
      return () => source.close();
    },
    onLink(listener) {
      linkListeners.add(listener);
      return () => linkListeners.delete(listener);
    },
  };
}
