import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAmplitudeServer } from '../support/amplitude-server';
import { event, ndjson } from '../support/events';
import { runFerry, startServe, type RunResult, type ServeProcess } from '../support/ferry';
import { useTempDirs } from '../support/temp';
import { callServe, ferryOk } from './support/harness';

/**
 * Upstreams that echo everything they were sent — Amplitude (headers, zip entry names, bad
 * lines), SMTP (AUTH) and S3 (headers, the session token) — in one run of `ferry serve`: no
 * secret Ferry holds reaches any API answer, pushed event, email, CLI output, log or file of
 * the data folder (secrets.json and local-api.json, which hold them by design, aside).
 */
const AMP_KEY = 'amp-key-0a1b2c';
const AMP_SECRET = 'AmpSecret-5f3e9d7c1b';
const SMTP_USER = 'ferry-mailer';
const SMTP_PASS = 'Smtp-Pass-84c1e2';
const AWS_SECRET = 'AwsSecretKey/8d7e6f5a4b3c2d1e0f9a8b7c6d5e';
const AWS_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN+4d5e6f==';
const HOUR = '2020-01-25T05';
const newDir = useTempDirs();

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** Every way the secrets of this run could be written down. */
function leaks(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets)
    for (const form of [
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      b64(secret).replace(/=+$/, ''),
    ])
      if (text.includes(form)) found.push(`${secret} as ${form}`);
  for (const composite of [`${AMP_KEY}:${AMP_SECRET}`, `\0${SMTP_USER}\0${SMTP_PASS}`])
    if (text.includes(b64(composite).replace(/=+$/, ''))) found.push(`base64 of ${composite}`);
  return found;
}

/**
 * An S3 stand-in: it keeps Ferry's destination claim (listed, written, deleted), and refuses
 * every upload of the export, echoing the request's headers (the session token too).
 */
async function echoingS3(): Promise<{ url: string; heard: string[]; server: Server }> {
  const heard: string[] = [];
  const claims = new Map<string, string>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3');
    const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
        const prefix = url.searchParams.get('prefix') ?? '';
        const contents = [...claims.keys()]
          .filter((k) => k.startsWith(prefix))
          .map(
            (k) =>
              `<Contents><Key>${k}</Key><Size>${claims.get(k)!.length}</Size><ETag>"e"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>`,
          )
          .join('');
        res
          .writeHead(200, { 'Content-Type': 'application/xml' })
          .end(
            `<?xml version="1.0"?><ListBucketResult><Name>echo-bucket</Name><Prefix>${prefix}</Prefix><KeyCount>${claims.size}</KeyCount><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
          );
        return;
      }
      if (req.method === 'GET' && url.searchParams.has('uploads')) {
        res
          .writeHead(200, { 'Content-Type': 'application/xml' })
          .end(
            '<?xml version="1.0"?><ListMultipartUploadsResult><Bucket>echo-bucket</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>',
          );
        return;
      }
      if (req.method === 'PUT' && /(^|\/)_ferry/.test(key) && !url.search) {
        claims.set(key, body);
        res.writeHead(200, { ETag: '"e"' }).end();
        return;
      }
      if (req.method === 'DELETE') {
        claims.delete(key);
        res.writeHead(204).end();
        return;
      }
      const echo = JSON.stringify(req.headers).replace(/[<&]/g, ' ');
      heard.push(echo);
      res
        .writeHead(403, { 'Content-Type': 'application/xml' })
        .end(
          `<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>You sent ${echo}</Message><RequestId>1</RequestId></Error>`,
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, heard, server };
}

let s3: Awaited<ReturnType<typeof echoingS3>>;
let smtp: SMTPServer;
let smtpPort: number;
const inbox: string[] = [];
const auths: string[] = [];

beforeAll(async () => {
  s3 = await echoingS3();
  // Accepts the login, then refuses every message quoting the AUTH it was given, as servers
  // with verbose errors do — after keeping the message, so its text is checked too.
  smtp = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      auths.push(`${auth.username}:${auth.password}`);
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        inbox.push(raw);
        const plain = b64(`\0${SMTP_USER}\0${SMTP_PASS}`);
        callback(
          new Error(`Rejected for ${session.user}: you said AUTH PLAIN ${plain}, ${auths.at(-1)}`),
        );
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
}, 30_000);

afterAll(async () => {
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await new Promise<void>((resolve) => s3?.server.close(() => resolve()));
});

/** The pushed events of a running server, as the console's event stream receives them. */
function listen(server: ServeProcess): { text(): string; stop(): void } {
  const url = new URL(server.url);
  const abort = new AbortController();
  let text = '';
  void fetch(`${url.origin}/api/events?token=${url.searchParams.get('token')}`, {
    signal: abort.signal,
  })
    .then(async (answer) => {
      const decoder = new TextDecoder();
      for await (const chunk of answer.body!) text += decoder.decode(chunk as Uint8Array);
    })
    .catch(() => undefined);
  return { text: () => text, stop: () => abort.abort() };
}

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path] = await readFile(path, 'latin1');
  }
  return out;
}

describe('upstreams that echo what they were sent', () => {
  it('leave no secret in any answer, event, email, output or file', async () => {
    const amplitude = await startAmplitudeServer([{ echo: true }]);
    const dataDir = await newDir();
    const awsDir = await newDir();
    await writeFile(join(awsDir, 'config'), '[profile echo]\nregion = us-east-1\n');
    await writeFile(
      join(awsDir, 'credentials'),
      `[echo]\naws_access_key_id = AKIAECHOTEST\naws_secret_access_key = ${AWS_SECRET}\naws_session_token = ${AWS_TOKEN}\n`,
    );
    const env = {
      FERRY_DATA_DIR: dataDir,
      FERRY_CLOCK_START: '2026-02-10T00:00:00Z',
      FERRY_CLOCK_SCALE: '3600',
      AMP_SECRET,
      AWS_CONFIG_FILE: join(awsDir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(awsDir, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const outputs: RunResult[] = [];
    const ferry = async (args: string[]) => {
      const result = await runFerry(args, env);
      outputs.push(result);
      return result;
    };
    let server: ServeProcess | null = null;
    let events: ReturnType<typeof listen> | null = null;
    try {
      await ferryOk(
        ['org', 'add', '--id', '123', '--name', 'Acme', '--admin-email', 'data@acme.example'],
        env,
      );
      await ferryOk(
        ['project', 'add', '--id', '187520', '--org', '123', '--name', 'Web']
          .concat(['--source', 'amplitude', '--api-key', AMP_KEY])
          .concat(['--amplitude-endpoint', amplitude.url, '--secret-key-env', 'AMP_SECRET']),
        env,
      );
      await ferryOk(
        ['connection', 'add', '--name', 'echo', '--project', '187520', '--bucket', 'echo-bucket']
          .concat(['--region', 'us-east-1', '--profile', 'echo', '--endpoint', s3.url])
          .concat(['--path-style', '--settle-minutes', '0', '--access-tries', '1']),
        env,
      );
      server = await startServe(dataDir, ['--no-schedule'], env);
      events = listen(server);
      const answers: unknown[] = [];
      const call = async (method: string, input: unknown = {}) => {
        const value = await callServe(server!, method, input).catch(
          (error: Error) => error.message,
        );
        answers.push(value);
        return value;
      };
      await call('settings.update', {
        smtp: {
          host: '127.0.0.1',
          port: smtpPort,
          allowUnencrypted: true,
          from: 'ferry@acme.example',
          user: SMTP_USER,
        },
        smtpPassword: SMTP_PASS,
      });

      // Amplitude echoes the request's headers (the Basic credentials) in a 500.
      const first = await ferry(['export', 'echo', '--hour', HOUR]);
      expect(first.code, `${first.stdout}${first.stderr}`).toBe(1);
      expect(amplitude.requests[0]?.authorization).toBe(`Basic ${b64(`${AMP_KEY}:${AMP_SECRET}`)}`);
      // A damaged zip entry named with the secret key.
      const entry = (name: string) => `187520/${name}_2020-01-25_5#1.json.gz`;
      amplitude.setReplies([
        { zip: { [entry(AMP_SECRET)]: ndjson([event(HOUR, 1)]) }, damage: entry(AMP_SECRET) },
      ]);
      expect((await ferry(['export', 'echo', '--hour', HOUR])).code).toBe(1);
      // Good events and bad lines quoting the secret key; then S3 refuses, echoing the session
      // token, and the failure email's sending is refused quoting AUTH PLAIN.
      amplitude.setReplies([
        {
          zip: {
            [entry('187520')]:
              `${ndjson([event(HOUR, 1), event(HOUR, 2)])}{"key":"${AMP_SECRET}",\n${AMP_SECRET} ${b64(AMP_SECRET)}\n`,
          },
        },
      ]);
      // As a backfill, so the failure is emailed (the access refusal stops the connection).
      const third = await ferry(['backfill', 'echo', '--from', HOUR, '--to', HOUR]);
      expect(third.code, `${third.stdout}${third.stderr}`).toBe(1);
      expect(s3.heard.join('\n')).toContain(AWS_TOKEN);
      const mailed = Date.now();
      while (inbox.length === 0 && Date.now() - mailed < 20_000)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(inbox.length).toBeGreaterThan(0);
      expect(auths).toContain(`${SMTP_USER}:${SMTP_PASS}`);
      expect(String(await call('settings.testEmail', { to: 'me@acme.example' }))).toMatch(
        /The SMTP server refused: .*Rejected/,
      );

      for (const method of ['jobs.list', 'schedule.status', 'settings.get', 'app.info'])
        await call(method);
      await ferry(['--json', 'jobs', 'echo']);
      await ferry(['jobs', 'echo']);
      await ferry(['--json', 'status']);

      // What every exit carried: each names the upstream's echo, none a secret.
      const everything = {
        answers: JSON.stringify(answers),
        events: events.text(),
        emails: inbox.join('\n'),
        cli: outputs.map((o) => `${o.stdout}\n${o.stderr}`).join('\n'),
        // The serve prints its URL (the token) on purpose: its first line is left out.
        serve: `${server.stdout().split('\n').slice(1).join('\n')}\n${server.stderr()}`,
      };
      expect(everything.answers).toMatch(/\[redacted\]/);
      expect(everything.events).toMatch(/\[redacted\]/);
      const secrets = [
        AMP_SECRET,
        SMTP_PASS,
        AWS_SECRET,
        AWS_TOKEN,
        new URL(server.url).searchParams.get('token')!,
      ];
      for (const [where, text] of Object.entries(everything))
        expect(leaks(text, secrets), where).toEqual([]);
      for (const [path, text] of Object.entries(await filesOf(dataDir)))
        if (!/(secrets|local-api)\.json$/.test(path))
          expect(leaks(text, secrets), path).toEqual([]);
    } finally {
      events?.stop();
      await server?.stop();
      await amplitude.close();
    }
  }, 120_000);
});
