import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import type { MergedId } from '../../../shared/model/export-format';
import { SourceError, type EventSource, type NamedStream } from './types';

export const AMPLITUDE_ENDPOINTS = {
  us: 'https://amplitude.com',
  eu: 'https://analytics.eu.amplitude.com',
} as const;

/** Data for an hour is complete about two hours after it ends (Amplitude's documentation). */
export const AMPLITUDE_SETTLE_MS = 2 * 3_600_000;

export interface AmplitudeOptions {
  region: 'us' | 'eu';
  /** Overrides the regional endpoint (a proxy, or a test server). */
  endpoint: string | null;
  apiKey: string;
  secretKey: string;
  /** Where the downloaded zip is kept while it is read. */
  tempDir: string;
  /** Tries for 400 "too large", 429, 5xx and network errors before giving up. */
  attempts?: number;
  /** First backoff delay; doubled each try, with jitter. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

/**
 * The Amplitude Export API: `GET /api/2/export?start=…&end=…` for one hour, Basic auth with the
 * project's API key and secret key.
 *
 * The answer is a zip of gzipped NDJSON files. It is streamed to a temp file (never held in
 * memory), then each entry is streamed through gunzip, in name order. 404 means the hour has
 * no data. 400 "too large", 429 and 5xx (504 above all) are retried with exponential backoff;
 * 401/403 are a wrong key, not worth retrying.
 */
export class AmplitudeSource implements EventSource {
  readonly kind = 'amplitude';
  readonly settleDelayMs = AMPLITUDE_SETTLE_MS;
  /** The API selects by server_upload_time; lines are still checked against the hour. */
  readonly mixedHours = true;

  constructor(private readonly options: AmplitudeOptions) {}

  async *events(hour: string, signal: AbortSignal): AsyncGenerator<NamedStream> {
    const zipPath = await this.download(hour, signal);
    if (!zipPath) return;
    try {
      const zip = await openZip(zipPath);
      try {
        const entries = (await listEntries(zip))
          .filter((e) => !e.fileName.endsWith('/') && /\.json(\.gz)?$/.test(e.fileName))
          .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
        for (const entry of entries) {
          if (signal.aborted) return;
          const raw = await openEntry(zip, entry);
          const chunks = entry.fileName.endsWith('.gz')
            ? raw.pipe(createGunzip({ chunkSize: 1 << 20 }))
            : raw;
          yield { name: `${hour} export: ${entry.fileName}`, chunks };
        }
      } finally {
        zip.close();
      }
    } finally {
      await rm(zipPath, { force: true });
    }
  }

  /** The Export API has no merged IDs: the pipeline derives them from the hour's events. */
  async mergedIds(): Promise<MergedId[] | null> {
    return null;
  }

  /** Fetch the hour's zip into a temp file; null when the hour has no data (404). */
  private async download(hour: string, signal: AbortSignal): Promise<string | null> {
    const o = this.options;
    const base = (o.endpoint ?? AMPLITUDE_ENDPOINTS[o.region]).replace(/\/+$/, '');
    const stamp = hour.replace(/-/g, '');
    const url = `${base}/api/2/export?start=${stamp}&end=${stamp}`;
    const auth = `Basic ${Buffer.from(`${o.apiKey}:${o.secretKey}`).toString('base64')}`;
    const attempts = o.attempts ?? 5;
    const sleep =
      o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const doFetch = o.fetch ?? fetch;
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let response: Response;
      try {
        response = await doFetch(url, {
          headers: { Authorization: auth, Accept: 'application/zip' },
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        lastProblem = `could not reach ${base} (${(error as Error).message})`;
        await this.backoff(attempt, attempts, sleep);
        continue;
      }
      if (response.status === 200) {
        await mkdir(o.tempDir, { recursive: true });
        const path = join(o.tempDir, `amplitude-${hour}-${randomBytes(4).toString('hex')}.zip`);
        try {
          await pipeline(Readable.fromWeb(response.body as never), createWriteStream(path));
        } catch (error) {
          await rm(path, { force: true });
          if (signal.aborted) throw error;
          lastProblem = `the download broke off (${(error as Error).message})`;
          await this.backoff(attempt, attempts, sleep);
          continue;
        }
        return path;
      }
      const text = (await response.text().catch(() => '')).slice(0, 300).trim();
      if (response.status === 404) return null;
      if (response.status === 401 || response.status === 403)
        throw new SourceError(
          `Amplitude refused the project's API key and secret key (HTTP ${response.status})`,
          'Check the API key and secret key in the project settings (Amplitude: Settings → Projects → General).',
        );
      const tooLarge = response.status === 400 && /large|exceed|size|4 ?GB/i.test(text);
      const retryable = tooLarge || response.status === 429 || response.status >= 500;
      if (!retryable)
        throw new SourceError(
          `Amplitude's export API answered HTTP ${response.status}${text ? `: ${text}` : ''}`,
          null,
        );
      lastProblem = tooLarge
        ? 'the hour is too large for one request (HTTP 400)'
        : `HTTP ${response.status}${response.status === 504 ? ' (gateway timeout)' : ''}`;
      await this.backoff(attempt, attempts, sleep);
    }
    throw new SourceError(
      `Amplitude's export API kept failing for ${hour} after ${attempts} tries: ${lastProblem}`,
      'This is usually temporary; Ferry retries the hour later.',
      true,
    );
  }

  private async backoff(
    attempt: number,
    attempts: number,
    sleep: (ms: number) => Promise<void>,
  ): Promise<void> {
    if (attempt >= attempts) return;
    const base = (this.options.backoffMs ?? 2000) * 2 ** (attempt - 1);
    await sleep(base / 2 + Math.random() * base);
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error ? reject(badZip(error)) : resolve(zip),
    ),
  );
}

function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', (error: Error) => reject(badZip(error)));
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error ? reject(badZip(error)) : resolve(stream))),
  );
}

function badZip(error: Error): SourceError {
  return new SourceError(
    `Amplitude's answer is not a readable zip file (${error.message})`,
    'Ferry retries the hour later.',
    true,
  );
}
