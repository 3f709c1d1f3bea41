import type { Notice } from '../../shared/api/contract';
import type { PushEvent } from '../../shared/api/events';
import { redactDeep } from './redact';

type Listener = (event: PushEvent) => void;

/**
 * The engine's push stream: notices, notifications and job changes, each passed through the
 * redaction gate once and then to every listener. A listener that throws is logged and the
 * others still hear the event.
 */
export class PushStream {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly log?: (error: unknown) => void) {}

  readonly emit = (raw: PushEvent): void => {
    const event = redactDeep(raw);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log?.(error);
      }
    }
  };

  /** Listen; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.listeners.clear();
  }
}

/**
 * Notices that hold while a condition lasts (a clock found ahead): the latest warning stays in
 * `notices` (the console's banner) until a non-warning notice says it is over.
 */
export function standingNotice(notices: Notice[], emit: (event: PushEvent) => void) {
  let shown: Notice | null = null;
  return (notice: Notice): void => {
    if (shown) notices.splice(notices.indexOf(shown) >>> 0, 1);
    shown = notice.level === 'warning' ? notice : null;
    if (shown) notices.push(shown);
    emit({ type: 'notice', notice });
  };
}

/**
 * The data folder taken over by another process: this one stops (no more exports, every change
 * refused with the reason) and the consoles are told.
 */
export class LockLoss {
  private reason: string | null = null;
  private stop: () => void = () => undefined;
  private settle: (message: string) => void = () => undefined;
  /** Settles, with the reason, once the folder is lost. */
  readonly lost = new Promise<string>((resolve) => (this.settle = resolve));

  constructor(private readonly emit: (event: PushEvent) => void) {}

  /** What stops the work when the folder is lost (the scheduler, once it exists). */
  onLoss(stop: () => void): void {
    this.stop = stop;
  }

  /** Why changes are refused, or null while the folder is held. */
  readonly refusal = (): string | null => this.reason;

  readonly report = (message: string): void => {
    this.reason = message;
    this.emit({ type: 'notice', notice: { level: 'error', message } });
    this.stop();
    this.settle(message);
  };
}
