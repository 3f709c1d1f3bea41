import { execFile } from 'node:child_process';
import { lstat, mkdir, readlink, symlink, unlink } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * "Install the ferry command": put the installed app's `ferry` command on the admin's PATH.
 * The .deb does it itself (/usr/bin/ferry is the app's binary); macOS gets a link in
 * /usr/local/bin to the app's launcher script, Windows the app's `bin` folder on the user's
 * PATH, an AppImage a link in ~/.local/bin. The plan is pure; `installCli` carries it out.
 */
export type CliInstallPlan =
  | { kind: 'link'; link: string; target: string }
  | { kind: 'path'; dir: string }
  | { kind: 'none'; reason: string };

export interface CliInstallPlace {
  platform: NodeJS.Platform;
  isPackaged: boolean;
  /** process.resourcesPath: the launchers are in its `bin` folder (electron-builder.yml). */
  resourcesPath: string;
  execPath: string;
  home: string;
  env: NodeJS.ProcessEnv;
}

export function cliInstallPlan(place: CliInstallPlace): CliInstallPlan {
  if (!place.isPackaged)
    return { kind: 'none', reason: 'Run from source, the command is bin/ferry.js (npm link).' };
  if (place.platform === 'darwin')
    return {
      kind: 'link',
      link: '/usr/local/bin/ferry',
      target: join(place.resourcesPath, 'bin', 'ferry'),
    };
  if (place.platform === 'win32') return { kind: 'path', dir: join(place.resourcesPath, 'bin') };
  if (place.env.APPIMAGE)
    return {
      kind: 'link',
      link: join(place.home, '.local', 'bin', 'ferry'),
      target: place.env.APPIMAGE,
    };
  return {
    kind: 'none',
    reason: `The package installed the command: ${place.execPath} is /usr/bin/ferry.`,
  };
}

/** Whether the plan is already in place (then the menu does not offer it). */
export async function cliInstalled(plan: CliInstallPlan, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (plan.kind === 'none') return true;
  if (plan.kind === 'path')
    return (env.Path ?? env.PATH ?? '')
      .split(delimiter)
      .some((entry) => entry.toLowerCase() === plan.dir.toLowerCase());
  return readlink(plan.link).then(
    (target) => target === plan.target,
    () => false,
  );
}

/** What installCli does to the system (replaced in tests). */
export interface CliInstallIo {
  run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void>;
  link(target: string, path: string): Promise<void>;
}

export type CliInstallResult =
  { ok: true; message: string } | { ok: false; message: string; command?: string };

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Carry out the plan. A link replaces only an older link (another Ferry's): a real file named
 * `ferry` is someone else's and stays. Where the folder is not writable (macOS /usr/local/bin
 * for a standard user), the answer is the exact command to run with sudo.
 */
export async function installCli(
  plan: CliInstallPlan,
  io: Partial<CliInstallIo> = {},
): Promise<CliInstallResult> {
  const { run, link } = { run: runFile, link: symlink, ...io };
  if (plan.kind === 'none') return { ok: true, message: plan.reason };
  if (plan.kind === 'path') {
    // The folder reaches PowerShell as an environment variable, never inside the script text.
    const script =
      "$p = [Environment]::GetEnvironmentVariable('Path', 'User'); " +
      "if (-not $p) { $p = '' }; " +
      "if (($p -split ';') -notcontains $env:FERRY_BIN) { " +
      "[Environment]::SetEnvironmentVariable('Path', (($p.TrimEnd(';'), $env:FERRY_BIN) -join ';').TrimStart(';'), 'User') }";
    try {
      await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], {
        ...process.env,
        FERRY_BIN: plan.dir,
      });
    } catch (error) {
      return {
        ok: false,
        message: `Ferry could not change your PATH: ${(error as Error).message}`,
      };
    }
    return {
      ok: true,
      message: `${plan.dir} is on your PATH. Open a new terminal and run: ferry --help`,
    };
  }
  const manual = `sudo mkdir -p ${quote(dirname(plan.link))} && sudo ln -sf ${quote(plan.target)} ${quote(plan.link)}`;
  try {
    const existing = await lstat(plan.link).catch(() => null);
    if (existing && !existing.isSymbolicLink())
      return {
        ok: false,
        message: `${plan.link} exists and is not Ferry's: Ferry leaves it as it is. Remove it yourself, or link the command under another name.`,
      };
    await mkdir(dirname(plan.link), { recursive: true });
    if (existing) await unlink(plan.link);
    await link(plan.target, plan.link);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM')
      return {
        ok: false,
        message: `Ferry may not write to ${dirname(plan.link)}. Run this in a terminal (it asks for your password):`,
        command: manual,
      };
    return { ok: false, message: `Ferry could not link ${plan.link}: ${(error as Error).message}` };
  }
  const onPath = (process.env.PATH ?? '').split(delimiter).includes(dirname(plan.link));
  return {
    ok: true,
    message: `${plan.link} runs Ferry's command line. Open a new terminal and run: ferry --help${onPath ? '' : `\n(${dirname(plan.link)} is not on your PATH yet: add it in your shell's profile.)`}`,
  };
}

const runFile = async (file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> => {
  await promisify(execFile)(file, args, { env, windowsHide: true, timeout: 30_000 });
};
