import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { AmplitudeSource } from '../../../../electron/engine/sources/amplitude';
import { SourceError } from '../../../../electron/engine/sources/types';
import { startAmplitudeServer, type Reply } from '../../../support/amplitude-server';
import { event, ndjson } from '../../../support/events';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const HOUR = '2020-01-25T05';
let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function setup(replies: Reply[]) {
  const server = await startAmplitudeServer(replies);
  close = server.close;
  const tempDir = await newDir();
  const waits: number[] = [];
  const source = new AmplitudeSource({
    region: 'us',
    endpoint: server.url,
    apiKey: 'key-1',
    secretKey: 'secret-1',
    tempDir,
    attempts: 4,
    backoffMs: 1000,
    sleep: async (ms) => void waits.push(ms),
  });
  const read = async () => {
    const out: { name: string; text: string }[] = [];
    for await (const stream of source.events(HOUR, new AbortController().signal)) {
      const parts: Buffer[] = [];
      for await (const chunk of stream.chunks) parts.push(Buffer.from(chunk));
      out.push({ name: stream.name, text: Buffer.concat(parts).toString() });
    }
    return out;
  };
  return { server, source, read, waits, tempDir };
}

const zipReply: Reply = {
  zip: {
    '187520/187520_2020-01-25_5#1.json.gz': ndjson([event(HOUR, 3)]),
    '187520/187520_2020-01-25_5#0.json.gz': ndjson([event(HOUR, 1), event(HOUR, 2)]),
  },
};

describe('the Amplitude Export API source', () => {
  it('asks for exactly the hour with Basic auth and streams each zipped file in name order', async () => {
    const { server, read, tempDir } = await setup([zipReply]);
    const streams = await read();
    expect(server.requests).toEqual([
      {
        start: '20200125T05',
        end: '20200125T05',
        authorization: `Basic ${Buffer.from('key-1:secret-1').toString('base64')}`,
      },
    ]);
    expect(streams.map((s) => s.name)).toEqual([
      `${HOUR} export: 187520/187520_2020-01-25_5#0.json.gz`,
      `${HOUR} export: 187520/187520_2020-01-25_5#1.json.gz`,
    ]);
    expect(streams[0]!.text.split('\n').filter(Boolean)).toHaveLength(2);
    expect(await readdir(tempDir)).toEqual([]); // the download is not kept
  });

  it('treats 404 as an hour without data', async () => {
    const { read } = await setup([{ status: 404, body: 'Raw data files were not found.' }]);
    expect(await read()).toEqual([]);
  });

  it('retries 400 "too large" and 504 with growing backoff, then succeeds', async () => {
    const { read, server, waits } = await setup([
      { status: 400, body: 'Raw data response exceeds 4GB size limit' },
      { status: 504, body: 'Gateway Timeout' },
      zipReply,
    ]);
    expect(await read()).toHaveLength(2);
    expect(server.requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]!).toBeGreaterThanOrEqual(500);
    expect(waits[0]!).toBeLessThan(1500);
    expect(waits[1]!).toBeGreaterThanOrEqual(1000);
    expect(waits[1]!).toBeLessThan(3000);
  });

  it('gives up after its tries with a transient source error', async () => {
    const { read, server } = await setup([{ status: 504 }]);
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).transient).toBe(true);
    expect((error as Error).message).toMatch(
      /kept failing for 2020-01-25T05 after 4 tries: HTTP 504 \(gateway timeout\)/,
    );
    expect(server.requests).toHaveLength(4);
  });

  it('does not retry a refused key, and says what to fix', async () => {
    const { read, server } = await setup([{ status: 401, body: 'Invalid API key' }]);
    const error = (await read().catch((e: unknown) => e)) as SourceError;
    expect(error.transient).toBe(false);
    expect(error.message).toMatch(/refused the project's API key and secret key \(HTTP 401\)/);
    expect(error.fix).toMatch(/Settings/);
    expect(server.requests).toHaveLength(1);
  });

  it('waits about two hours after an hour before its data is complete', () => {
    expect(
      new AmplitudeSource({
        region: 'eu',
        endpoint: null,
        apiKey: 'k',
        secretKey: 's',
        tempDir: '/tmp',
      }).settleDelayMs,
    ).toBe(7_200_000);
  });
});
