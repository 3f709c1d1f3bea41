import type { Engine } from '../engine';
import type { SecretCodec } from '../engine';
import type { EngineClient } from './engine-client';

/**
 * Exit codes: 0 done, 1 the request was refused or failed, 2 the command line is wrong (an
 * unknown flag, or a value that breaks a field's rule).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** What the opened engine serves: named to a second process, and shown as the console's transport. */
export interface EngineRole {
  role: string;
  transport: 'cli' | 'http';
  /** Team mode: hours are exported by `ferry worker` processes (serve --workers). */
  hoursOnWorkers?: boolean;
}

export interface GlobalOptions {
  dataDir: string;
  /** Team mode: the PostgreSQL database (`--database`, FERRY_DATABASE_URL). */
  database?: string;
  /** Team mode: the KMS key that seals stored secrets (`--secrets-key`, FERRY_SECRETS_KEY). */
  secretsKey?: string;
  json: boolean;
}

/** What every command gets: parsed global options, an output, and a way to open the engine. */
export interface CliContext {
  globals(): GlobalOptions;
  out: Output;
  /** The exit code when the command finishes without an error (e.g. 1 when a job failed). */
  exitCode: number;
  /**
   * Run a command that goes through the API only. `write`: on the engine this process opens —
   * or, when `ferry serve`, `ferry run` or the desktop app holds the data folder, through that
   * running Ferry's local API (same calls, same output, same exit codes). `read`: the running
   * Ferry when there is one (it knows what runs now), else the folder read-only.
   */
  withApi(
    mode: 'read' | 'write',
    run: (api: EngineClient) => Promise<number | void>,
  ): Promise<void>;
  /** Open the engine on the data dir; read-only skips the lock (list/show while the app runs). */
  withEngine(
    mode: 'read' | 'write',
    run: (engine: Engine) => Promise<number | void>,
    as?: EngineRole,
  ): Promise<void>;
}

/** What the process running the command line adds to every engine it opens. */
export interface CliEngineOptions {
  /**
   * How secrets are sealed: the desktop app's binary running as `ferry` passes the OS keychain,
   * so the command reads the secrets the app saved; under Node, the 0600 file.
   */
  secretCodec?: SecretCodec;
}

/** Where the CLI writes; injected so tests can capture it. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Standard output that shows a secret on purpose: only the console URL `ferry serve` prints
   * for its own admin. Everything else passes the redaction gate.
   */
  reveal?(text: string): void;
  /** Warnings go to stderr so `--json` output on stdout stays parseable. */
  warn(text: string): void;
  /** Full detail of an unexpected error, shown only with FERRY_DEBUG=1. */
  debug(error: unknown): void;
}
