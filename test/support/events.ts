import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { EVENT_FIELDS } from '../../shared/model/export-format';

/** A full-schema event for `hour` (`yyyy-MM-ddTHH`), minute `n % 60`. */
export function event(
  hour: string,
  n: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const at = `${hour.slice(0, 10)} ${hour.slice(11, 13)}:${String(n % 60).padStart(2, '0')}:07.123456`;
  const base: Record<string, unknown> = Object.fromEntries(EVENT_FIELDS.map((f) => [f, null]));
  return {
    ...base,
    $insert_id: `ins-${hour}-${n}`,
    uuid: `uuid-${hour}-${n}`,
    event_type: n % 3 === 0 ? 'purchase' : 'page_view',
    user_id: `user-${n % 7}`,
    amplitude_id: 1000 + (n % 7),
    server_upload_time: at,
    event_time: at,
    event_properties: { n, note: 'x'.repeat(200) },
    ...overrides,
  };
}

export const ndjson = (events: object[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

/** Every line of the gzipped files in `dir` whose name matches, parsed, in file then line order. */
export async function readExported(
  dir: string,
  match: RegExp = /\.json\.gz$/,
): Promise<{ files: string[]; lines: Record<string, unknown>[] }> {
  const files = (await readdir(dir)).filter((f) => match.test(f)).sort();
  const lines: Record<string, unknown>[] = [];
  for (const file of files) {
    const text = zlib.gunzipSync(await readFile(join(dir, file))).toString('utf8');
    expectNdjson(text);
    for (const line of text.split('\n').filter(Boolean))
      lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  return { files, lines };
}

/** NDJSON: every line ends with \n, no blank lines. */
export function expectNdjson(text: string): void {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('last line is not \\n-terminated');
  if (text.includes('\n\n')) throw new Error('blank line in NDJSON');
}
