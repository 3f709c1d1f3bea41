import { delimiter } from 'node:path';

/**
 * The PATH an app started from Finder gets is `/usr/bin:/bin:/usr/sbin:/sbin`: no Homebrew, no
 * `~/.local/bin`. A profile's `credential_process` (`aws-vault`, `granted`, `aws`) then is not
 * found. The folders a terminal's PATH has on a Mac are added after the ones there (never
 * before: what the admin set wins); other systems' PATH is left as it is.
 */
export function desktopPath(
  path: string | undefined,
  platform: NodeJS.Platform,
  home: string,
): string | undefined {
  if (platform !== 'darwin') return path;
  const parts = (path ?? '').split(delimiter).filter(Boolean);
  for (const dir of [
    '/opt/homebrew/bin',
    '/opt/homebrew/sbin',
    '/usr/local/bin',
    '/usr/local/sbin',
    `${home}/.local/bin`,
  ])
    if (!parts.includes(dir)) parts.push(dir);
  return parts.join(delimiter);
}
