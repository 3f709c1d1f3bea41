import { hourText } from '../../../shared/model/hours';
import { open } from 'node:fs/promises';
import type yauzl from 'yauzl';
import { redactUpstream } from '../redact';
import { SourceError } from './types';

/*
 * What an Amplitude answer is checked for before its events are trusted: that it is a zip, that
 * it holds event files, and that its events are this project's.
 */

/**
 * An answer of 200 that is not a zip at all (a proxy's sign-in page, a captive portal, another
 * service at the endpoint) — said as that, with its first words, not as a damaged download.
 * Null when it starts as a zip does (then it is damaged).
 */
export async function notZip(
  path: string,
  hour: string,
  secrets: readonly string[],
): Promise<SourceError | null> {
  const start = await readStart(path, 512);
  if (start.length >= 2 && start[0] === 0x50 && start[1] === 0x4b) return null;
  // An echoing proxy may repeat the request's Authorization: taken out before it is shown.
  const text = redactUpstream(start.toString('utf8').replace(/<[^>]*>/g, ' '), secrets, 200);
  return new SourceError(
    `The answer for ${hourText(hour)} is not a zip of events${start.length === 0 ? ' (it was empty)' : text ? `; it begins: "${text}"` : ''}`,
    "Ferry asks Amplitude's Export API for a zip of the hour's events. Check the project's Amplitude endpoint, and any proxy or sign-in page between this computer and Amplitude.",
    { code: 'not-a-zip' },
  );
}

async function readStart(path: string, bytes: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

export function notEvents(hour: string, entries: readonly yauzl.Entry[]): SourceError {
  const names = entries.slice(0, 3).map((e) => e.fileName);
  const more = entries.length > names.length ? ` and ${entries.length - names.length} more` : '';
  return new SourceError(
    `The zip for ${hourText(hour)} holds no event files (.json or .json.gz): ${names.join(', ')}${more}`,
    "Amplitude's Export API answers with gzipped JSON files of events; check the project's Amplitude endpoint, and any proxy between this computer and Amplitude. Nothing was exported for the hour.",
    { code: 'not-events' },
  );
}

/** How far into a file its first line is looked for (Amplitude's events are a few KiB). */
const FIRST_LINE_BYTES = 1 << 20;

/**
 * A file's chunks, passed on unchanged once its first event is seen to belong to `projectId`:
 * Amplitude's events carry their project as `app`. Keys of another project (pasted from the
 * wrong project's settings) would otherwise fill this project's files with that project's
 * events, every hour, each hour marked done. A first line that is not JSON, or has no `app`, is
 * left to the line checks.
 */
export async function* ofProject(
  chunks: AsyncIterable<Uint8Array>,
  projectId: number,
  hour: string,
  file: string,
): AsyncGenerator<Uint8Array> {
  const check = (start: Buffer) => {
    const nl = start.indexOf(10);
    const app = appOf(nl < 0 ? start : start.subarray(0, nl));
    if (app !== null && app !== projectId) throw otherProject(hour, file, app, projectId);
  };
  const held: Uint8Array[] = [];
  let size = 0;
  let pending = true;
  for await (const chunk of chunks) {
    if (!pending) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    size += chunk.length;
    if (chunk.indexOf(10) < 0 && size < FIRST_LINE_BYTES) continue;
    pending = false;
    check(Buffer.concat(held));
    yield* held;
    held.length = 0;
  }
  if (pending) {
    check(Buffer.concat(held));
    yield* held;
  }
}

function appOf(line: Buffer): number | null {
  try {
    const event = JSON.parse(line.toString('utf8')) as { app?: unknown } | null;
    return typeof event?.app === 'number' ? event.app : null;
  } catch {
    return null;
  }
}

function otherProject(hour: string, file: string, app: number, projectId: number): SourceError {
  return new SourceError(
    `Amplitude answered ${hourText(hour)} with events of project ${app}, not ${projectId} (${file}): the project's API key and secret key belong to project ${app}`,
    `Enter the keys of Amplitude project ${projectId} in this project's settings (Amplitude: Settings → Projects → ${projectId} → General). Nothing was exported for the hour.`,
    { code: 'wrong-project' },
  );
}
