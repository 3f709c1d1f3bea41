import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError, failingAws, scheduledEngine } from '../../../support/schedule';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const HOUR = 3_600_000;

interface Mail {
  to: string[];
  raw: string;
}
const inbox: Mail[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  // A real SMTP server, in process: plain SMTP on loopback, any sender accepted.
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'ferry' && auth.password === 's3cret')
        return callback(null, { user: auth.username });
      callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Subject and text of a message, decoded as a mail client would. */
async function read(raw: string): Promise<string> {
  const mail = await simpleParser(raw);
  return `Subject: ${mail.subject}\n${mail.text}`;
}

describe('failure emails', () => {
  it('email the org admin and the creator with the missing permission, once a day, and on recovery', async () => {
    const dir = await newDir();
    const aws = failingAws(() =>
      Object.assign(awsError('AccessDenied', 403, 'Access Denied'), { operation: 'PutObject' }),
    );
    const { engine, clock, connectionId } = await scheduledEngine(dir, '2026-03-01T10:05:00Z', {
      aws,
      orgEmail: 'admin@acme.test',
      connection: {
        destination: {
          type: 's3',
          bucket: 'acme-export',
          region: 'us-east-1',
          prefix: 'amplitude/',
          profile: 'default',
        },
        createdBy: 'creator@acme.test',
        schedule: { accessTries: 1 },
      },
    });
    try {
      await engine.call('settings.update', {
        smtp: { host: '127.0.0.1', port, secure: false, from: 'ferry@acme.test' },
      });
      await engine.scheduler.start();
      await clock.advanceTo('2026-03-01T11:01:00Z');
      expect(inbox).toHaveLength(1);
      const mail = inbox[0]!;
      expect(mail.to.sort()).toEqual(['admin@acme.test', 'creator@acme.test']);
      const body = await read(mail.raw);
      expect(body).toMatch(/Subject: Ferry: export "hourly" is failing/);
      expect(body).toContain('Failing hour: 2026-03-01T10 UTC');
      expect(body).toContain('Missing permission: s3:PutObject');
      expect(body).toMatch(/"Action": \[[^\]]*"s3:PutObject"/);
      expect(body).toContain('arn:aws:s3:::acme-export');

      // Still failing the same day: retried, but no second email.
      await engine.call('schedule.resume', { id: connectionId });
      await clock.advance(HOUR);
      expect((await engine.call('schedule.status'))[0]!.state).toBe('failing');
      expect(inbox).toHaveLength(1);

      // A day later it is still failing: one more.
      await clock.advance(24 * HOUR);
      await engine.call('schedule.resume', { id: connectionId });
      await clock.advance(0);
      expect(inbox).toHaveLength(2);

      // Fixed (here: pointed at a folder it can write): it recovers and says so.
      await engine.call('connections.update', {
        id: connectionId,
        destination: { type: 'folder', path: `${dir}/out` },
      });
      await clock.advance(0);
      expect((await engine.call('schedule.status'))[0]!.state).not.toBe('failing');
      expect(inbox).toHaveLength(3);
      expect(await read(inbox[2]!.raw)).toMatch(/Subject: Ferry: export "hourly" works again/);
    } finally {
      await engine.close();
    }
  });

  it('sends a test email, and says clearly when SMTP is not set up', async () => {
    const { engine } = await scheduledEngine(await newDir(), '2026-03-01T10:05:00Z');
    try {
      await expect(engine.call('settings.testEmail', { to: 'me@acme.test' })).rejects.toThrow(
        /Set up SMTP in Settings first/,
      );
      await engine.call('settings.update', {
        smtp: { host: '127.0.0.1', port, from: 'ferry@acme.test', user: 'ferry' },
        smtpPassword: 's3cret',
      });
      expect(await engine.call('settings.get')).toMatchObject({
        smtp: { host: '127.0.0.1', user: 'ferry' },
        smtpPasswordStored: true,
      });
      const before = inbox.length;
      await engine.call('settings.testEmail', { to: 'me@acme.test' });
      expect(inbox.length).toBe(before + 1);
      expect(inbox.at(-1)!.to).toEqual(['me@acme.test']);
    } finally {
      await engine.close();
    }
  });
});
