import type { S3Client } from '@aws-sdk/client-s3';
import { createEngine, type Engine } from '../../electron/engine';
import type { AwsClients } from '../../electron/engine/aws/clients';
import type { ConnectionCreate } from '../../shared/model/entities';
import type { Job } from '../../shared/model/jobs';
import { FakeClock } from './fake-clock';

/** An S3 client whose every call fails the way `fail()` says (throttling, a 403, …). */
export function failingAws(fail: () => Error): AwsClients & { calls: number } {
  const aws = {
    calls: 0,
    async s3() {
      return {
        send: async () => {
          aws.calls++;
          throw fail();
        },
        config: {},
        destroy() {},
      } as unknown as S3Client;
    },
    async setup() {
      throw new Error('not used');
    },
    reset() {},
  };
  return aws;
}

export const awsError = (name: string, status: number, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

export interface ScheduledEngine {
  engine: Engine;
  clock: FakeClock;
  /** Every job record written, in order. */
  records: Job[];
  connectionId: string;
}

/**
 * An engine on a fake clock with one demo project (a few events an hour) and one connection,
 * enabled at the clock's start. The clock's `advance` waits for the queue between timers.
 */
export async function scheduledEngine(
  dataDir: string,
  start: string,
  options: {
    connection?: Partial<ConnectionCreate>;
    aws?: AwsClients;
    random?: () => number;
    orgEmail?: string;
    /** Certificate authority the SMTP client trusts (the test server's self-signed one). */
    smtpCa?: string;
  } = {},
): Promise<ScheduledEngine> {
  let engine: Engine | null = null;
  const clock = new FakeClock(start, async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 15));
      await engine?.scheduler.idle();
    }
  });
  engine = await createEngine({
    dataDir,
    transport: 'cli',
    role: 'test',
    seedDemo: false,
    timers: clock,
    workers: 1,
    aws: options.aws,
    scheduleRetry: { random: options.random ?? (() => 1) },
    smtpCa: options.smtpCa,
  });
  const records: Job[] = [];
  engine.subscribe((event) => {
    if (event.type === 'job.updated') records.push(event.job);
  });
  await engine.call('orgs.create', { id: 1, name: 'Acme', adminEmail: options.orgEmail });
  await engine.call('projects.create', {
    id: 7,
    orgId: 1,
    name: 'Web',
    source: { type: 'demo', eventsPerHour: 20 },
  });
  const connection = await engine.call('connections.create', {
    name: 'hourly',
    projectId: 7,
    destination: { type: 'folder', path: `${dataDir}/out` },
    datasets: ['events'],
    enabled: true,
    ...options.connection,
  });
  return { engine, clock, records, connectionId: connection.id };
}

/** Succeeded hours of a connection, oldest first. */
export async function exportedHours(engine: Engine, connectionId: string): Promise<string[]> {
  const hours: string[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await engine.call('jobs.list', {
      connectionId,
      status: ['succeeded'],
      limit: 100,
      offset,
    });
    hours.push(...page.items.map((j) => j.hour));
    if (offset + 100 >= page.total) break;
  }
  return hours.sort();
}
