// Where the desktop app looks for updates, fixed at build time from the environment (used by
// scripts/dist.mjs and checked by the packaging test): electron-builder then writes it into the
// package as resources/app-update.yml, which electron/main/update-feed.ts reads.
//   FERRY_UPDATE_URL=https://…     a generic feed the organisation controls (a web server, or
//                                  an S3 bucket's https address) holding the installers and
//                                  latest*.yml from the release;
//   FERRY_UPDATE_GITHUB=owner/repo GitHub releases of that repository.
// Neither: no feed, and the app offers no updates (and says why).

/** @returns {{ args: string[], note: string } | { error: string }} */
export function publishArgs(env) {
  const url = env.FERRY_UPDATE_URL?.trim();
  if (url) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return { error: `FERRY_UPDATE_URL is not a URL: ${url}` };
    }
    if (parsed.protocol !== 'https:')
      return { error: `FERRY_UPDATE_URL must be https (an update is code the app runs): ${url}` };
    if (parsed.username || parsed.password)
      return { error: 'FERRY_UPDATE_URL must not carry a user name or password' };
    return {
      args: ['-c.publish.provider=generic', `-c.publish.url=${url}`],
      note: `updates from ${url}`,
    };
  }
  const github = env.FERRY_UPDATE_GITHUB?.trim();
  if (github) {
    const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(github);
    if (!match) return { error: `FERRY_UPDATE_GITHUB must be owner/repo: ${github}` };
    return {
      args: [
        '-c.publish.provider=github',
        `-c.publish.owner=${match[1]}`,
        `-c.publish.repo=${match[2]}`,
      ],
      note: `updates from GitHub releases of ${github}`,
    };
  }
  return {
    args: [],
    note: 'no update feed (set FERRY_UPDATE_URL or FERRY_UPDATE_GITHUB): the app offers no updates',
  };
}
