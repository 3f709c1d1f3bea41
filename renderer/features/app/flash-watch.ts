import { jobEnded } from '../../../shared/model/jobs';

/** A message at the top of the console. */
export interface Flash {
  id: string;
  type: 'success' | 'error' | 'warning' | 'info';
  content: string;
  /** Ferry's own notices (a damaged file restored, a notification): kept across pages. */
  sticky: boolean;
  /** The export this message announces: replaced by its outcome once its jobs end. */
  watch?: ExportWatch;
  /** The next step as a button: a console address. */
  action?: { text: string; href: string };
}

/** An hour's export started from the console, until each of its data sets' jobs ends. */
export interface ExportWatch {
  connectionId: string;
  hour: string;
  /** Data sets whose job has not ended yet. */
  pending: string[];
  /** What to say when every one succeeded, and when one did not. */
  succeeded: string;
  failed: string;
  anyFailed?: boolean;
}

/** The flashes after `job` changed: an export message whose jobs all ended says how it went. */
export function settleFlashes(
  flashes: Flash[],
  job: { connectionId: string; hour: string; dataset: string; status: string },
): Flash[] {
  if (!jobEnded(job.status)) return flashes;
  // Unchanged when no message waits on this job: the same array, so nothing redraws.
  const watching = (f: Flash) =>
    !!f.watch &&
    f.watch.connectionId === job.connectionId &&
    f.watch.hour === job.hour &&
    f.watch.pending.includes(job.dataset);
  if (!flashes.some(watching)) return flashes;
  return flashes.map((f) => {
    if (!watching(f)) return f;
    const w = f.watch!;
    const watch = {
      ...w,
      pending: w.pending.filter((d) => d !== job.dataset),
      anyFailed: w.anyFailed || job.status !== 'succeeded',
    };
    if (watch.pending.length > 0) return { ...f, watch };
    return watch.anyFailed
      ? { id: f.id, type: 'error' as const, content: w.failed, sticky: f.sticky }
      : { id: f.id, type: 'success' as const, content: w.succeeded, sticky: f.sticky };
  });
}
