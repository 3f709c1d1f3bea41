/** Where the Electron runtime is, or why there is none. */
export function findElectron(): { path: string } | { reason: string };
/** The packaged app in dist/ (a test build), or why there is none. */
export function findPackagedApp(): { path: string } | { reason: string };
