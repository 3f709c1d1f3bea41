import { hourText } from '../../../shared/model/hours';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import type { MergedId } from '../../../shared/model/export-format';
import { secureUrlProblem } from '../../../shared/model/fields';
import { redactUpstream } from '../redact';
import { notEvents, notZip, ofProject } from './amplitude-answer';
import { downloadPath, sweepDownloads } from './downloads';
import { fetchFollowing, RedirectRefused } from './redirects';
import {
  gunzipped,
  namedFailures,
  SourceError,
  type EventSource,
  type NamedStream,
  type SourceHour,
} from './types';

export const AMPLITUDE_ENDPOINTS = {
  us: 'https://amplitude.com',
  eu: 'https://analytics.eu.amplitude.com',
} as const;

/** Data for an hour is complete about two hours after it ends (Amplitude's documentation). */
export const AMPLITUDE_SETTLE_MS = 2 * 3_600_000;

/** Amplitude's own words for "this range has no data" in its 404 answer. */
const NO_DATA = /raw data files were not found/i;

export interface AmplitudeOptions {
  /** The Amplitude project the keys are expected to belong to (its events carry it as `app`). */
  projectId: number;
  region: 'us' | 'eu';
  /** Overrides the regional endpoint (a proxy, or a test server). */
  endpoint: string | null;
  apiKey: string;
  secretKey: string;
  /** Where the downloaded zip is kept while it is read. */
  tempDir: string;
  /**
   * How long Amplitude may take to connect and start answering (it prepares the zip first),
   * and how long the download may stall between two chunks.
   */
  timeouts?: { answerMs?: number; stallMs?: number };
  /** The largest zip kept on disk (Amplitude refuses hours over 4 GB; default 5 GiB). */
  maxArchiveBytes?: number;
  fetch?: typeof fetch;
  /** Told the server's time (its `Date` header) with every answer. */
  onServerTime?: (epochMs: number) => void;
}

/** Amplitude's own limit is 4 GB an export; anything far past it is not Amplitude's answer. */
const MAX_ARCHIVE_BYTES = 5 * 1024 ** 3;
/** How much of an error answer is read (the rest is never downloaded). */
const ERROR_BODY_BYTES = 64 * 1024;

const ANSWER_TIMEOUT_MS = 5 * 60_000;
const STALL_TIMEOUT_MS = 60_000;

/**
 * The Amplitude Export API: `GET /api/2/export?start=…&end=…` for one hour, Basic auth with the
 * project's API key and secret key.
 *
 * The answer is a zip of gzipped NDJSON files. It is streamed to a temp file (never held in
 * memory) once per hour, then each entry is streamed through gunzip, in name order, as often as
 * the hour's datasets need. Only Amplitude's own "Raw data files were not found" 404 means the
 * hour has no data; any other answer that is not a zip is an error with its fix. One request per
 * try: the job's retry policy decides when to try again, so every wait is visible in the history.
 */
export class AmplitudeSource implements EventSource {
  readonly kind = 'amplitude';
  readonly settleDelayMs = AMPLITUDE_SETTLE_MS;
  /** The API selects by server_upload_time; lines are still checked against the hour. */
  readonly mixedHours = true;

  constructor(private readonly options: AmplitudeOptions) {}

  async open(hour: string, signal: AbortSignal): Promise<SourceHour> {
    const zipPath = await this.download(hour, signal);
    if (!zipPath)
      return { events: async function* () {}, mergedIds: async () => null, close: async () => {} };
    return {
      events: () => this.entries(zipPath, hour, signal),
      // The Export API has no merged IDs: the pipeline derives them from the hour's events.
      mergedIds: async (): Promise<MergedId[] | null> => null,
      close: () => rm(zipPath, { force: true }),
    };
  }

  private async *entries(
    zipPath: string,
    hour: string,
    signal: AbortSignal,
  ): AsyncGenerator<NamedStream> {
    const o = this.options;
    const zip = await openZip(zipPath, hour, [o.apiKey, o.secretKey, basicCredentials(o)]);
    try {
      const all = (await listEntries(zip, hour)).filter((e) => !e.fileName.endsWith('/'));
      const entries = all
        .filter((e) => /\.json(\.gz)?$/i.test(e.fileName))
        .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
      // A zip of files Ferry can not read is not an empty hour: said, never exported as "0 events".
      if (all.length > 0 && entries.length === 0) throw notEvents(hour, all);
      for (const entry of entries) {
        signal.throwIfAborted();
        const raw = await openEntry(zip, entry, hour);
        const gz = /\.gz$/i.test(entry.fileName);
        const file = `the file ${entry.fileName}`;
        yield {
          name: `${hour} export: ${entry.fileName}`,
          chunks: namedFailures(
            ofProject(gz ? gunzipped(raw) : raw, this.options.projectId, hour, file),
            (error) =>
              signal.aborted || error instanceof SourceError ? error : damaged(hour, file, error),
          ),
        };
      }
    } finally {
      zip.close();
    }
  }

  /** Fetch the hour's zip into a temp file; null when Amplitude says the hour has no data. */
  private async download(hour: string, signal: AbortSignal): Promise<string | null> {
    const o = this.options;
    const base = (o.endpoint ?? AMPLITUDE_ENDPOINTS[o.region]).replace(/\/+$/, '');
    const insecure = secureUrlProblem(base);
    if (insecure)
      throw new SourceError(
        `Ferry will not send the project's Amplitude keys to ${base}: ${insecure}`,
        "Change the project's Amplitude endpoint to an https:// address.",
        { code: 'endpoint' },
      );
    const stamp = hour.replace(/-/g, '');
    const url = `${base}/api/2/export?start=${stamp}&end=${stamp}`;
    const credentials = basicCredentials(o);
    const answerMs = o.timeouts?.answerMs ?? ANSWER_TIMEOUT_MS;
    const stallMs = o.timeouts?.stallMs ?? STALL_TIMEOUT_MS;
    const timeout = new AbortController();
    const both = AbortSignal.any([signal, timeout.signal]);
    let timer = setTimeout(() => timeout.abort(new Error('answer')), answerMs);
    const unreachable = (what: string) =>
      new SourceError(
        `Could not download ${hourText(hour)} from Amplitude's export API at ${base}: ${what}`,
        'Usually temporary (network, a service hiccup); Ferry retries the hour.',
        { code: 'network', transient: true },
      );
    try {
      let response: Response;
      try {
        response = await fetchFollowing(o.fetch ?? fetch, url, {
          authorization: `Basic ${credentials}`,
          headers: { Accept: 'application/zip' },
          signal: both,
        });
        const date = response.headers.get('date');
        if (date) o.onServerTime?.(Date.parse(date));
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof RedirectRefused) throw redirectRefused(hour, base, error);
        throw unreachable(
          timeout.signal.aborted
            ? `no answer within ${Math.round(answerMs / 1000)} s`
            : causeOf(error),
        );
      }
      if (response.status === 200) {
        await mkdir(o.tempDir, { recursive: true, mode: 0o700 });
        // Downloads a killed process left (raw events, up to 4 GB each) go before a new one comes.
        await sweepDownloads(o.tempDir);
        const path = downloadPath(o.tempDir, hour);
        // From here on, the limit is a stall between two chunks, not the whole download.
        const stalled = () => timeout.abort(new Error('stall'));
        clearTimeout(timer);
        timer = setTimeout(stalled, stallMs);
        const maxBytes = o.maxArchiveBytes ?? MAX_ARCHIVE_BYTES;
        let received = 0;
        const watchdog = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            clearTimeout(timer);
            timer = setTimeout(stalled, stallMs);
            received += chunk.length;
            if (received > maxBytes) done(tooBig(hour, base, maxBytes));
            else done(null, chunk);
          },
        });
        // Raw events: readable by this user only, whatever the umask.
        const file = createWriteStream(path, { mode: 0o600 });
        try {
          await pipeline(
            Readable.fromWeb(response.body as never, { signal: both } as never),
            watchdog,
            file,
            { signal: both },
          );
        } catch (error) {
          // The file may still be opening when the download fails: let it close, then delete it,
          // so no partial zip is left behind (or created after the delete).
          if (!file.closed)
            await new Promise<void>((resolve) => file.once('close', () => resolve()));
          await rm(path, { force: true });
          signal.throwIfAborted();
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw error;
          if (error instanceof SourceError) throw error;
          throw unreachable(
            timeout.signal.aborted
              ? `the download stalled for ${Math.round(stallMs / 1000)} s`
              : `the download broke off (${causeOf(error)})`,
          );
        }
        return path;
      }
      // Redacted before it is cut short, so a cut can not leave half a secret behind.
      const text = redactUpstream(await readSome(response, ERROR_BODY_BYTES), [
        credentials,
        o.secretKey,
        o.apiKey,
      ]);
      const problem = this.refusal(hour, base, response.status, text);
      if (!problem) return null;
      throw problem;
    } finally {
      clearTimeout(timer);
    }
  }

  /** What a non-200 answer means; null for Amplitude's own "no data" (the hour is empty). */
  private refusal(hour: string, base: string, status: number, text: string): SourceError | null {
    const said = text ? `: ${text}` : '';
    if (status === 404 && NO_DATA.test(text)) return null;
    if (status === 404)
      return new SourceError(
        `Amplitude's export API at ${base} answered HTTP 404 for ${hourText(hour)} without saying the hour has no data${said}`,
        `Check the project's Amplitude endpoint (default ${AMPLITUDE_ENDPOINTS.us}, EU ${AMPLITUDE_ENDPOINTS.eu}). An answer that is not Amplitude's own "no data" is never taken as an empty hour, so files exported earlier stay as they are.`,
        { code: 'endpoint' },
      );
    if (status === 401 || status === 403)
      return new SourceError(
        `Amplitude refused the project's API key and secret key (HTTP ${status})`,
        'Check the API key and secret key in the project settings (Amplitude: Settings → Projects → General).',
        { code: 'credentials' },
      );
    if (status === 400 && /large|exceed|size|4 ?GB/i.test(text))
      return new SourceError(
        `Amplitude will not export ${hourText(hour)}: the hour is over the Export API's 4 GB limit (HTTP 400)${said}`,
        "An hour is the smallest range Ferry asks for, so this hour can not come through the Export API. Amplitude's documented way for hours over 4 GB is its own Amazon S3 export; use it for this project.",
        { code: 'too-large' },
      );
    if (status === 429 || status >= 500)
      return new SourceError(
        `Amplitude's export API answered HTTP ${status}${status === 504 ? ' (gateway timeout)' : status === 429 ? ' (too many requests)' : ''} for ${hourText(hour)}${said}`,
        'Usually temporary (Amplitude is busy or preparing a large hour); Ferry retries the hour.',
        { code: `http-${status}`, transient: true },
      );
    return new SourceError(
      `Amplitude's export API answered HTTP ${status} for ${hourText(hour)}${said}`,
      `Check the project's Amplitude settings (region, endpoint ${base}).`,
      { code: `http-${status}` },
    );
  }
}

/** The Basic auth value of the project's keys (also what an echoing answer must not show). */
function basicCredentials(o: { apiKey: string; secretKey: string }): string {
  return Buffer.from(`${o.apiKey}:${o.secretKey}`).toString('base64');
}

/** Loaded with the first zip: only Amplitude-sourced exports read one. */
async function openZip(
  path: string,
  hour: string,
  secrets: readonly string[],
): Promise<yauzl.ZipFile> {
  const { default: unzip } = await import('yauzl');
  const opened = new Promise<yauzl.ZipFile>((resolve, reject) =>
    unzip.open(path, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    ),
  );
  return opened.catch(async (error: Error) => {
    throw (await notZip(path, hour, secrets)) ?? damaged(hour, 'the downloaded zip', error);
  });
}

function listEntries(zip: yauzl.ZipFile, hour: string): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', (error: Error) => reject(damaged(hour, 'the downloaded zip', error)));
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, hour: string): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) =>
      error ? reject(damaged(hour, `the file ${entry.fileName}`, error)) : resolve(stream),
    ),
  );
}

/**
 * A damaged download, naming what is damaged. Its code `corrupt` is retried once (a download can
 * be damaged on the way), then the hour fails with this fix.
 */
function damaged(hour: string, what: string, error: Error): SourceError {
  return new SourceError(
    `Amplitude's export of ${hourText(hour)} has a damaged part: ${what} (${error.message})`,
    "Ferry downloads a damaged hour once more. If it is damaged again, it is damaged at Amplitude's end: export the hour later, or ask Amplitude support about it.",
    { code: 'corrupt' },
  );
}

/** A redirect the download does not follow (redirects.ts): said as that, never retried. */
function redirectRefused(hour: string, base: string, refused: RedirectRefused): SourceError {
  return new SourceError(
    `Amplitude's export API at ${base} redirected the request for ${hourText(hour)}${refused.to ? ` to ${refused.to}` : ''}, and Ferry did not follow: ${refused.reason}`,
    "Amplitude answers with the hour's events itself. Check the project's Amplitude endpoint, and any proxy or sign-in page between this computer and Amplitude. Nothing was exported for the hour.",
    { code: 'endpoint' },
  );
}

function tooBig(hour: string, base: string, maxBytes: number): SourceError {
  return new SourceError(
    `The answer from ${base} for ${hourText(hour)} grew past ${Math.round(maxBytes / 1024 ** 3)} GiB; Ferry stopped reading it and deleted what it had saved`,
    "Amplitude's export API answers at most 4 GB an hour; check that the project's endpoint is Amplitude's.",
    { code: 'too-large' },
  );
}

/** The start of an answer's body, as text; the rest is never read. */
async function readSome(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
  } catch {
    // What arrived before the break is still worth showing.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).subarray(0, maxBytes).toString('utf8');
}

function causeOf(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}
