import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AmplitudeSource,
  type AmplitudeOptions,
} from '../../../../electron/engine/sources/amplitude';
import { SourceError, type SourceHour } from '../../../../electron/engine/sources/types';
import { startAmplitudeServer, zipBytes, type Reply } from '../../../support/amplitude-server';
import { event, ndjson } from '../../../support/events';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const HOUR = '2020-01-25T05';
let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function setup(
  replies: Reply[],
  more: Pick<AmplitudeOptions, 'timeouts' | 'maxArchiveBytes' | 'fetch'> = {},
) {
  const server = await startAmplitudeServer(replies);
  close = server.close;
  const tempDir = await newDir();
  const source = new AmplitudeSource({
    projectId: 187520,
    region: 'us',
    endpoint: server.url,
    apiKey: 'key-1',
    secretKey: 'secret-1',
    tempDir,
    ...more,
  });
  return { server, source, tempDir };
}

async function readAll(hour: SourceHour) {
  const out: { name: string; text: string }[] = [];
  for await (const stream of hour.events()) {
    const parts: Buffer[] = [];
    for await (const chunk of stream.chunks) parts.push(Buffer.from(chunk));
    out.push({ name: stream.name, text: Buffer.concat(parts).toString() });
  }
  return out;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as SourceError,
  );

const entries = {
  '187520/187520_2020-01-25_5#1.json.gz': ndjson([event(HOUR, 3)]),
  '187520/187520_2020-01-25_5#0.json.gz': ndjson([event(HOUR, 1), event(HOUR, 2)]),
};

describe('the Amplitude Export API source', () => {
  it('keeps the download (raw events) readable by this user only, whatever the umask', async () => {
    const t = await setup([{ zip: entries, stall: 40 }], { timeouts: { stallMs: 60_000 } });
    const cancel = new AbortController();
    const opened = failure(t.source.open(HOUR, cancel.signal));
    let names: string[] = [];
    while (names.length === 0) {
      names = await readdir(t.tempDir);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(((await stat(join(t.tempDir, names[0]!))).mode & 0o777).toString(8)).toBe('600');
    cancel.abort();
    await opened;
    expect(await readdir(t.tempDir)).toEqual([]);
  });

  it('downloads the hour once with Basic auth and reads each zipped file in name order, as often as asked', async () => {
    const { server, source, tempDir } = await setup([{ zip: entries }]);
    const hour = await source.open(HOUR, new AbortController().signal);
    const first = await readAll(hour);
    const second = await readAll(hour); // the merged-ID pass reads the same download
    await hour.close();
    expect(server.requests).toEqual([
      {
        start: '20200125T05',
        end: '20200125T05',
        authorization: `Basic ${Buffer.from('key-1:secret-1').toString('base64')}`,
      },
    ]);
    expect(first.map((s) => s.name)).toEqual([
      `${HOUR} export: 187520/187520_2020-01-25_5#0.json.gz`,
      `${HOUR} export: 187520/187520_2020-01-25_5#1.json.gz`,
    ]);
    expect(first[0]!.text.split('\n').filter(Boolean)).toHaveLength(2);
    expect(second).toEqual(first);
    expect(await readdir(tempDir)).toEqual([]); // the download is not kept
  });

  it("takes only Amplitude's own 'no data' answer as an empty hour", async () => {
    const empty = await setup([{ status: 404, body: 'Raw data files were not found.' }]);
    expect(await readAll(await empty.source.open(HOUR, new AbortController().signal))).toEqual([]);
    await close?.();

    // A mistyped endpoint answers 404 too, with a page of its own: that proves nothing.
    const wrong = await setup([
      { status: 404, body: '<h1>Not Found</h1>', contentType: 'text/html' },
    ]);
    const error = await failure(wrong.source.open(HOUR, new AbortController().signal));
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'endpoint', transient: false });
    expect(error.message).toMatch(
      /answered HTTP 404 for 2020-01-25 05:00 UTC without saying the hour has no data/,
    );
    expect(error.fix).toMatch(/Check the project's Amplitude endpoint/);
  });

  it('fails a 400 "over 4 GB" for good, with the way Amplitude documents around it', async () => {
    const { source, server } = await setup([
      { status: 400, body: 'Raw data response exceeds 4GB size limit' },
    ]);
    const error = await failure(source.open(HOUR, new AbortController().signal));
    expect(error).toMatchObject({ code: 'too-large', transient: false });
    expect(error.message).toMatch(/over the Export API's 4 GB limit \(HTTP 400\)/);
    expect(error.fix).toMatch(/Amazon S3 export/);
    expect(server.requests).toHaveLength(1);
  });

  it('reports 504 and 429 as temporary after one request: the job decides when to try again', async () => {
    const { source, server } = await setup([{ status: 504, body: 'Gateway Timeout' }]);
    const error = await failure(source.open(HOUR, new AbortController().signal));
    expect(error).toMatchObject({ code: 'http-504', transient: true });
    expect(error.message).toMatch(/HTTP 504 \(gateway timeout\)/);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a refused key, and says what to fix', async () => {
    const { source } = await setup([{ status: 401, body: 'Invalid API key' }]);
    const error = await failure(source.open(HOUR, new AbortController().signal));
    expect(error).toMatchObject({ code: 'credentials', transient: false });
    expect(error.message).toMatch(/refused the project's API key and secret key \(HTTP 401\)/);
    expect(error.fix).toMatch(/Settings/);
  });

  it('names the damaged file of a zip, and a truncated zip, as corrupt downloads', async () => {
    const damaged = await setup([{ zip: entries, damage: '187520/187520_2020-01-25_5#1.json.gz' }]);
    const hour = await damaged.source.open(HOUR, new AbortController().signal);
    const error = await failure(readAll(hour));
    await hour.close();
    expect(error).toMatchObject({ code: 'corrupt', transient: false });
    expect(error.message).toMatch(
      /export of 2020-01-25 05:00 UTC has a damaged part: the file 187520\/187520_2020-01-25_5#1\.json\.gz \(/,
    );
    expect(error.fix).toMatch(/once more/);
    await close?.();

    const whole = await zipBytes(entries);
    const cut = await setup([{ zip: entries, truncate: Math.floor(whole.length * 0.6) }]);
    const truncated = await cut.source.open(HOUR, new AbortController().signal);
    const zipError = await failure(readAll(truncated));
    await truncated.close();
    expect(zipError).toMatchObject({ code: 'corrupt' });
    expect(zipError.message).toMatch(/damaged part: the downloaded zip/);
    await close?.();

    // Broken in the zip's own compression: the unzip fails, before any gunzip. Piped with pipe,
    // that error reached no listener and ended the process.
    const name = '187520/187520_2020-01-25_5#1.json.gz';
    const unzip = await setup([{ zip: entries, badDeflate: name }]);
    const inflated = await unzip.source.open(HOUR, new AbortController().signal);
    const inflateError = await failure(readAll(inflated));
    await inflated.close();
    expect(inflateError).toMatchObject({ code: 'corrupt', transient: false });
    expect(inflateError.message).toMatch(
      /has a damaged part: the file 187520\/187520_2020-01-25_5#1\.json\.gz \(invalid block type/,
    );
  });

  it('says an answer of 200 that is not a zip is not a zip, with its first words', async () => {
    const portal = await setup([
      {
        status: 200,
        contentType: 'text/html',
        body: '<html><head><title>Sign in</title></head><body><h1>Corporate proxy: sign in to continue</h1></body></html>',
      },
    ]);
    const hour = await portal.source.open(HOUR, new AbortController().signal);
    const error = await failure(readAll(hour));
    await hour.close();
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'not-a-zip', transient: false });
    expect(error.message).toBe(
      'The answer for 2020-01-25 05:00 UTC is not a zip of events; it begins: "Sign in Corporate proxy: sign in to continue"',
    );
    expect(error.fix).toMatch(/proxy or sign-in page/);
    await close?.();

    // A proxy that echoes the request in its page: the keys never reach the message.
    const basic = Buffer.from('key-1:secret-1').toString('base64');
    const echo = await setup([
      {
        status: 200,
        contentType: 'text/plain',
        body: `GET /api/2/export\nAuthorization: Basic ${basic}\nsecret-1`,
      },
    ]);
    const echoed = await echo.source.open(HOUR, new AbortController().signal);
    const leak = await failure(readAll(echoed));
    await echoed.close();
    expect(leak).toMatchObject({ code: 'not-a-zip' });
    expect(leak.message).not.toMatch(new RegExp(`${basic}|secret-1`));
    await close?.();

    const empty = await setup([{ status: 200, body: '' }]);
    const nothing = await empty.source.open(HOUR, new AbortController().signal);
    expect((await failure(readAll(nothing))).message).toBe(
      'The answer for 2020-01-25 05:00 UTC is not a zip of events (it was empty)',
    );
    await nothing.close();
  });

  it('fails a zip without event files instead of exporting the hour as empty', async () => {
    const { source } = await setup([
      { zip: { 'report.csv': 'a,b\n', 'readme.txt': 'hello\n', 'x.xml': '<x/>', 'y.bin': 'y' } },
    ]);
    const hour = await source.open(HOUR, new AbortController().signal);
    const error = await failure(readAll(hour));
    await hour.close();
    expect(error).toMatchObject({ code: 'not-events', transient: false });
    expect(error.message).toBe(
      'The zip for 2020-01-25 05:00 UTC holds no event files (.json or .json.gz): report.csv, readme.txt, x.xml and 1 more',
    );
  });

  it("refuses events of another Amplitude project: the keys are that project's", async () => {
    const own = { ...event(HOUR, 1), app: 187520 };
    const other = { ...event(HOUR, 2), app: 999 };
    const { source, server } = await setup([
      { zip: { '187520/187520_2020-01-25_5#0.json.gz': ndjson([own]) } },
      { zip: { '999/999_2020-01-25_5#0.json.gz': ndjson([other, other]) } },
    ]);
    const good = await source.open(HOUR, new AbortController().signal);
    expect((await readAll(good))[0]!.text).toContain('"app":187520');
    await good.close();

    const wrong = await source.open(HOUR, new AbortController().signal);
    const error = await failure(readAll(wrong));
    await wrong.close();
    expect(server.requests).toHaveLength(2);
    expect(error).toMatchObject({ code: 'wrong-project', transient: false });
    expect(error.message).toBe(
      "Amplitude answered 2020-01-25 05:00 UTC with events of project 999, not 187520 (the file 999/999_2020-01-25_5#0.json.gz): the project's API key and secret key belong to project 999",
    );
    expect(error.fix).toMatch(/Enter the keys of Amplitude project 187520/);
  });

  it('gives up on a server that never answers, or stops sending, instead of waiting forever', async () => {
    const silent = await setup([{ hang: true }], { timeouts: { answerMs: 200 } });
    const error = await failure(silent.source.open(HOUR, new AbortController().signal));
    expect(error).toMatchObject({ code: 'network', transient: true });
    expect(error.message).toMatch(/no answer within 0 s/);
    await close?.();

    const stalled = await setup([{ zip: entries, stall: 40 }], { timeouts: { stallMs: 200 } });
    const stall = await failure(stalled.source.open(HOUR, new AbortController().signal));
    expect(stall).toMatchObject({ code: 'network', transient: true });
    expect(stall.message).toMatch(/the download stalled/);
    expect(await readdir(stalled.tempDir)).toEqual([]);
  });

  it('throws when cancelled instead of ending the hour early', async () => {
    const { source } = await setup([{ zip: entries }]);
    const controller = new AbortController();
    const hour = await source.open(HOUR, controller.signal);
    const read = (async () => {
      for await (const stream of hour.events()) {
        for await (const chunk of stream.chunks) void chunk;
        controller.abort(new Error('cancelled by the admin'));
      }
    })();
    await expect(read).rejects.toThrow('cancelled by the admin');
    await hour.close();
  });

  it('never repeats the credentials an upstream answer echoes back', async () => {
    const { source } = await setup([{ echo: true }]);
    const error = await failure(source.open(HOUR, new AbortController().signal));
    expect(error.message).toMatch(/HTTP 500/);
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain(Buffer.from('key-1:secret-1').toString('base64'));
  });

  it('stops a download that grows past the archive cap, and keeps nothing of it', async () => {
    const { source, tempDir } = await setup([{ zip: entries }], { maxArchiveBytes: 100 });
    const error = await failure(source.open(HOUR, new AbortController().signal));
    expect(error).toMatchObject({ code: 'too-large', transient: false });
    expect(error.message).toMatch(/grew past .* GiB; Ferry stopped reading it/);
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('refuses a line longer than the cap instead of holding it in memory', async () => {
    const { lineBlocks } = await import('../../../../electron/engine/sources/lines');
    async function* noNewline() {
      for (let i = 0; i < 10; i++) yield new Uint8Array(1024).fill(120);
    }
    const read = async () => {
      for await (const block of lineBlocks(noNewline(), 4096)) void block;
    };
    await expect(read()).rejects.toMatchObject({
      code: 'line-too-long',
      message: expect.stringMatching(/^Line 1 is longer than 0 MiB/),
    });
  });

  it('never sends the keys over plain http to another computer, even from an old config', async () => {
    const source = new AmplitudeSource({
      projectId: 187520,
      region: 'us',
      endpoint: 'http://amplitude.example.com',
      apiKey: 'key-1',
      secretKey: 'secret-1',
      tempDir: await newDir(),
      fetch: () => {
        throw new Error('no request may be made');
      },
    });
    const error = await failure(source.open(HOUR, new AbortController().signal));
    expect(error).toMatchObject({ code: 'endpoint' });
    expect(error.message).toMatch(
      /will not send the project's Amplitude keys to http:\/\/amplitude\.example\.com/,
    );
  });

  describe('redirects', () => {
    const credentialsAnswer = '{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"metadata-secret"}';

    it('follows one on this computer, with the keys only to the endpoint itself', async () => {
      const elsewhere = await startAmplitudeServer([{ zip: entries }]);
      try {
        const stamp = HOUR.replace(/-/g, '');
        const { server, source } = await setup([
          { redirect: `/api/2/export?start=${stamp}&end=${stamp}` },
          { redirect: `${elsewhere.url.replace('127.0.0.1', 'localhost')}/api/2/export` },
        ]);
        const hour = await source.open(HOUR, new AbortController().signal);
        expect((await readAll(hour)).map((f) => f.name)).toHaveLength(2);
        await hour.close();
        // Its own origin got the keys twice; the other server, a redirect away, never.
        const basic = `Basic ${Buffer.from('key-1:secret-1').toString('base64')}`;
        expect(server.requests.map((r) => r.authorization)).toEqual([basic, basic]);
        expect(elsewhere.requests.map((r) => r.authorization)).toEqual([undefined]);
      } finally {
        await elsewhere.close();
      }
    });

    it('does not follow one to plain http elsewhere (a metadata service), nor show its answer', async () => {
      const asked: string[] = [];
      const { server, source } = await setup(
        [{ redirect: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/ferry' }],
        {
          fetch: async (url, init) => {
            asked.push(String(url));
            if (String(url).startsWith('http://169.254.169.254/'))
              return new Response(credentialsAnswer, { status: 200 });
            return fetch(url, init);
          },
        },
      );
      const error = await failure(source.open(HOUR, new AbortController().signal));
      expect(error).toMatchObject({ code: 'endpoint', transient: false });
      expect(error.message).toBe(
        `Amplitude's export API at ${server.url} redirected the request for 2020-01-25 05:00 UTC to http://169.254.169.254, and Ferry did not follow: Ferry follows redirects to https:// addresses only`,
      );
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/2\/export\?/);
    });

    it('gives up after five in a row', async () => {
      const { server, source } = await setup([{ redirect: '/api/2/export?again=1' }]);
      const error = await failure(source.open(HOUR, new AbortController().signal));
      expect(error).toMatchObject({ code: 'endpoint' });
      expect(error.message).toMatch(/Ferry did not follow: more than 5 redirects$/);
      expect(server.requests).toHaveLength(6);
    });
  });

  it('waits about two hours after an hour before its data is complete', () => {
    expect(
      new AmplitudeSource({
        projectId: 187520,
        region: 'eu',
        endpoint: null,
        apiKey: 'k',
        secretKey: 's',
        tempDir: '/tmp',
      }).settleDelayMs,
    ).toBe(7_200_000);
  });
});
