/** How long a test waits for a state before it says what it was waiting for. */
export const WAIT_LIMIT_MS = 90_000;

/**
 * Poll `probe` until it returns a value (anything but undefined), and return it. A state that
 * never comes fails after `within` ms with what was awaited — a hang is a message, never a
 * test timeout with none. The limit is a deadline for a hang, not a speed requirement: waits
 * are for states (a job ended, a file appeared), and healthy runs meet them far sooner.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { within = WAIT_LIMIT_MS, every = 20 }: { within?: number; every?: number } = {},
): Promise<T> {
  const deadline = Date.now() + within;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`Still waiting after ${Math.round(within / 1000)} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** Wait until `condition` holds (see waitFor). */
export async function waitUntil(
  what: string,
  condition: () => boolean,
  options?: { within?: number; every?: number },
): Promise<void> {
  await waitFor(what, () => (condition() ? true : undefined), options);
}
