/*
 * What team mode's storage throws that callers tell apart, kept apart from the driver: a laptop's
 * engine checks for them without loading PostgreSQL's client.
 */
import { FerryError } from '../../../../shared/api/errors';

/** The database's writer hold is another process's (a `ferry serve` on standby waits for it). */
export class HeldElsewhere extends FerryError {
  constructor(message: string) {
    super('locked', message);
    this.name = 'HeldElsewhere';
  }
}

/** A commit step's hour could not be proven: another worker took the hour since. */
export class HourTakenOver extends FerryError {
  constructor(key: { connectionId: string; hour: string }) {
    super(
      'locked',
      `Another worker took ${key.hour} of connection ${key.connectionId} over; this one makes nothing of it visible.`,
    );
  }
}
