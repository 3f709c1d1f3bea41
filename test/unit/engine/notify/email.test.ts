import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
let ca: string;
/** A second server that offers no STARTTLS, and what it heard. */
let plain: SMTPServer;
let plainPort: number;
const plainAuths: string[] = [];

/** A self-signed certificate for 127.0.0.1, made with openssl for this run. */
async function selfSigned(): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-smtp-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  };
}

beforeAll(async () => {
  const tls = await selfSigned();
  ca = tls.cert;
  // A real SMTP server, in process: STARTTLS on loopback with its own certificate.
  server = new SMTPServer({
    ...tls,
    authOptional: true,
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
  plain = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      plainAuths.push(`${auth.username}:${auth.password}`);
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: 'plain' });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainPort = (plain.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => plain.close(() => resolve()));
});

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
      smtpCa: ca,
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
      expect(body).toContain('Failing hour: 2026-03-01 10:00 UTC');
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
    const { engine } = await scheduledEngine(await newDir(), '2026-03-01T10:05:00Z', {
      smtpCa: ca,
    });
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

  it('never sends the password or a message to a server without encryption, unless allowed', async () => {
    const { engine } = await scheduledEngine(await newDir(), '2026-03-01T10:05:00Z', {
      smtpCa: ca,
    });
    try {
      const smtp = { host: '127.0.0.1', port: plainPort, from: 'ferry@acme.test', user: 'ferry' };
      await engine.call('settings.update', { smtp, smtpPassword: 'pl4in-secret' });
      const before = inbox.length;
      await expect(engine.call('settings.testEmail', { to: 'me@acme.test' })).rejects.toThrow(
        /offers no encryption \(STARTTLS\), so Ferry sent nothing/,
      );
      expect(plainAuths).toEqual([]);
      expect(inbox.length).toBe(before);

      // The admin ticks "allow an unencrypted server": the password was given for an encrypted
      // connection, so it is asked for again before it may travel in clear.
      const unencrypted = { ...smtp, allowUnencrypted: true };
      await expect(engine.call('settings.update', { smtp: unencrypted })).rejects.toMatchObject({
        field: 'smtpPassword',
        message: expect.stringMatching(/\(unencrypted allowed\): enter the password again/),
      });
      expect(plainAuths).toEqual([]);
      await engine.call('settings.update', { smtp: unencrypted, smtpPassword: 'pl4in-secret' });
      await engine.call('settings.testEmail', { to: 'me@acme.test' });
      expect(plainAuths).toEqual(['ferry:pl4in-secret']);
      expect(inbox.length).toBe(before + 1);
    } finally {
      await engine.close();
    }
  });

  it('asks for the password again when the SMTP server changes, and never sends it there', async () => {
    const { engine } = await scheduledEngine(await newDir(), '2026-03-01T10:05:00Z', {
      smtpCa: ca,
    });
    try {
      const smtp = { host: '127.0.0.1', port, from: 'ferry@acme.test', user: 'ferry' };
      await engine.call('settings.update', { smtp, smtpPassword: 's3cret' });
      const moved = { ...smtp, port: plainPort, allowUnencrypted: true };
      await expect(engine.call('settings.update', { smtp: moved })).rejects.toMatchObject({
        field: 'smtpPassword',
        message: expect.stringMatching(
          /changes from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+ \(unencrypted allowed\): enter the password again/,
        ),
      });
      // Refused as a whole: the settings still name the first server, its password still works.
      expect(await engine.call('settings.get')).toMatchObject({
        smtp: { port },
        smtpPasswordStored: true,
      });
      await engine.call('settings.update', { smtp: moved, smtpPassword: 'n3w-secret' });
      await engine.call('settings.testEmail', { to: 'me@acme.test' });
      expect(plainAuths.at(-1)).toBe('ferry:n3w-secret');
      expect(plainAuths).not.toContain('ferry:s3cret');
    } finally {
      await engine.close();
    }
  });
});
