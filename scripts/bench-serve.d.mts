import type { ChildProcess } from 'node:child_process';

export declare function startServe(options: {
  env: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  stderr?: 'inherit' | 'ignore';
}): Promise<{
  server: ChildProcess;
  url: string;
  call: <T = unknown>(method: string, input?: unknown) => Promise<T>;
}>;

export declare function waitForHour<Job>(
  call: <T = unknown>(method: string, input?: unknown) => Promise<T>,
  connectionId: string,
  hour: string,
  pollMs: number,
): Promise<Job>;
