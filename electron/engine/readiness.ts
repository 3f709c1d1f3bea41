import type { Store } from './store';

/** One thing `/readyz` checks, in words an operator reads. */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** How long the storage may take to answer before it counts as unreachable. */
const PING_MS = 2_000;

/**
 * Whether this Ferry can do its work now: its storage answers (the data folder, or the team's
 * database), and — unless it only reads — it still holds the storage as its writer.
 */
export async function readiness(store: Store, readOnly: boolean): Promise<Readiness> {
  const checks: ReadinessCheck[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PING_MS / 1000} s`)),
          PING_MS,
        );
      }),
    ]);
    checks.push({ name: 'storage', ok: true, detail: 'answers' });
  } catch (error) {
    checks.push({ name: 'storage', ok: false, detail: (error as Error).message });
  } finally {
    clearTimeout(timer);
  }
  if (!readOnly)
    try {
      store.guard();
      checks.push({ name: 'writer', ok: true, detail: 'holds the storage' });
    } catch (error) {
      checks.push({ name: 'writer', ok: false, detail: (error as Error).message });
    }
  return { ready: checks.every((c) => c.ok), checks };
}
