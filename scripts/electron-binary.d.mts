/** Where the Electron runtime is, or why there is none; never starts Electron's download. */
export function findElectron(io?: {
  dir?: URL;
  load?: () => unknown;
  env?: Record<string, string | undefined>;
}): { path: string } | { reason: string };
/** The packaged app in dist/ (a test build), or why there is none. */
export function findPackagedApp(): { path: string } | { reason: string };
/** Why Electron's sandbox will abort at start on this Linux (AppArmor userns restriction), or null. */
export function sandboxProblem(
  electronPath: string,
  io?: {
    platform?: string;
    read?: (path: string) => string | null;
    stat?: (path: string) => { uid: number; mode: number } | null;
  },
): string | null;
