/** Where the Electron runtime is, or why there is none. */
export function findElectron(): { path: string } | { reason: string };
