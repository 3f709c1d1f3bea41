/** What retainUntilDone needs of an Electron Notification. */
export interface NotificationLike {
  once(event: 'click' | 'close' | 'failed', listener: () => void): unknown;
}

/**
 * Hold a shown notification until it is clicked, closed or fails: a notification only a local
 * variable refers to can be garbage-collected with its click listener, and a click then does
 * nothing.
 */
export function retainUntilDone<T extends NotificationLike>(shown: Set<T>, note: T): void {
  shown.add(note);
  for (const event of ['click', 'close', 'failed'] as const)
    note.once(event, () => shown.delete(note));
}
