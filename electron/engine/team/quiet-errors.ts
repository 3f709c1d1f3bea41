/**
 * The queue's errors, each said once a minute at most: pg-boss reports every failed look for
 * work (twice a second per worker), so a database down for five minutes would otherwise write
 * thousands of the same line. A repeat within the minute is counted, and said with the next
 * line of that error: "connect ECONNREFUSED … (and 119 times more since 10:02:07)".
 */
export function quietErrors(
  log: (error: unknown) => void,
  now: () => number = Date.now,
  windowMs = 60_000,
): (error: unknown) => void {
  const seen = new Map<string, { since: number; more: number }>();
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    const key = sameError(message);
    const at = now();
    const last = seen.get(key);
    if (last && at - last.since < windowMs) {
      last.more++;
      return;
    }
    seen.set(key, { since: at, more: 0 });
    // Errors that name something new each time are not kept past their minute.
    if (seen.size > MAX_KEPT)
      for (const [k, v] of seen) if (at - v.since >= windowMs && v.more === 0) seen.delete(k);
    if (!last || last.more === 0) return log(error);
    const said = `${message} (and ${last.more} times more since ${new Date(last.since).toISOString()})`;
    log(error instanceof Error ? Object.assign(new Error(said), { cause: error }) : said);
  };
}

/** Distinct errors remembered before those of past minutes are let go. */
const MAX_KEPT = 100;

/** One error however pg-boss names where it came from ("(Queue: …, Worker: <uuid>)"). */
function sameError(message: string): string {
  return message.replace(/\s*\(Queue: [^)]*\)\s*$/, '');
}
