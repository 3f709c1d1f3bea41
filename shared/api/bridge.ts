import type { MethodTable } from './contract';
import type { PushEvent } from './events';

/**
 * `window.ferry` in the desktop app: the contract's methods by name, answering with envelopes,
 * plus the push stream. Derived from the contract, so the preload can not drift from it.
 */
export type FerryBridge = MethodTable<'envelope'> & {
  onEvent(listener: (event: PushEvent) => void): () => void;
};
