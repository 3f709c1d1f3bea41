/** A stored secret that exists but may not be used where it is asked for. */
export class SecretUnusable extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'SecretUnusable';
  }
}

/**
 * True when `get` finds a usable secret; false when none is stored or it may not be used here.
 * A store that can not be read throws: "could not read" is never reported as "not stored".
 */
export async function isUsable(get: () => Promise<string | null>): Promise<boolean> {
  try {
    return (await get()) !== null;
  } catch (error) {
    if (error instanceof SecretUnusable) return false;
    throw error;
  }
}
