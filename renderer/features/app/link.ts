import { api } from '../../api/client';
import type { Link } from '../../api/transport';

const PROBE_FIRST_MS = 1_000;
const PROBE_MAX_MS = 5_000;

export interface LinkWatch {
  /** Open the push stream; returns its close. */
  subscribe(): () => void;
  /** One question to Ferry (its answer, or a failure, is heard through the link). */
  probe(): Promise<unknown>;
  /** Ferry stopped answering; what is shown was read at `seenAt` (ISO). */
  onDown(seenAt: string): void;
  /** Ferry answers again (a new push stream is open). */
  onUp(): void;
  /** Ferry answers, but not to this tab's token: it was restarted. */
  onRefused(): void;
}

/**
 * Follow the link to Ferry for the console: when it goes down, say so once and ask again after
 * 1 s, then up to every 5 s; on the first answer open a new push stream and say it is back.
 */
export function watchLink(watch: LinkWatch): void {
  let stream = watch.subscribe();
  let down = false;
  let lastUp = Date.now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let delay = PROBE_FIRST_MS;

  const stopProbing = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const probe = () => {
    timer = setTimeout(async () => {
      timer = null;
      await watch.probe().catch(() => undefined);
      if (!down) return;
      delay = Math.min(delay * 2, PROBE_MAX_MS);
      probe();
    }, delay);
  };

  api().onLink((link: Link) => {
    if (link === 'refused') {
      stopProbing();
      stream();
      down = false;
      watch.onRefused();
    } else if (link === 'up') {
      lastUp = Date.now();
      if (!down) return;
      down = false;
      stopProbing();
      stream();
      stream = watch.subscribe();
      watch.onUp();
    } else if (!down) {
      down = true;
      watch.onDown(new Date(lastUp).toISOString());
      delay = PROBE_FIRST_MS;
      probe();
    }
  });
}
