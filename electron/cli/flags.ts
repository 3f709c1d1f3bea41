import { readFileSync } from 'node:fs';
import { FerryError } from '../../shared/api/errors';
import { hour as hourSchema, type Dataset } from '../../shared/model/fields';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** `512MiB`, `64KiB`, `1GiB`, `100000` (bytes) → bytes. */
export function parseSize(value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new FerryError(
      'validation',
      `Give a size such as 512MiB, 64KiB or 1GiB (got "${value}")`,
      flag,
    );
  return Math.round(Number(m[1]) * unit);
}

/** `events`, `merged-ids`, `both`, or a comma list. */
export function parseDatasets(value: string): Dataset[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((p) => (p === 'both' ? ['events', 'merged-ids'] : [p])) as Dataset[];
}

/** A comma-separated list of names. */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A secret given without putting it on the command line (where `ps` and shell history see it):
 * from standard input, or from a named environment variable.
 */
export function readSecret(opts: {
  secretKeyStdin?: boolean;
  secretKeyEnv?: string;
}): string | undefined {
  if (opts.secretKeyStdin) {
    const text = readFileSync(0, 'utf8').trim();
    if (!text)
      throw new FerryError('validation', 'Nothing was given on standard input', 'secretKey');
    return text;
  }
  if (opts.secretKeyEnv) {
    const value = process.env[opts.secretKeyEnv];
    if (!value)
      throw new FerryError(
        'validation',
        `The environment variable ${opts.secretKeyEnv} is not set`,
        'secretKey',
      );
    return value;
  }
  return undefined;
}

/** Check an hour flag: the right form, a real hour from 2010 on, not in the future. */
export function parseHour(value: string, flag: string): string {
  const parsed = hourSchema.safeParse(value);
  if (!parsed.success) throw new FerryError('validation', parsed.error.issues[0]!.message, flag);
  return value;
}
