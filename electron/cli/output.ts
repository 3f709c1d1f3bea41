import { terminalSafe } from '../../shared/text';
import { redactSecrets } from '../engine';
import type { CliContext, Output } from './context';

/** Print a result as JSON (with --json) or as text. */
export function print(ctx: CliContext, value: unknown, text: () => string): void {
  ctx.out.stdout(ctx.globals().json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

export function processOutput(): Output {
  // A reader that went away (`ferry export … | head -2`) ends stdout, not the command: the
  // export still finishes whole and its exit code still tells how it went.
  let stdoutGone = false;
  process.stdout.on('error', () => (stdoutGone = true));
  return {
    // Names and upstream messages are printed escaped: no terminal control from stored text,
    // and no secret Ferry holds (the redaction gate).
    stdout: (text) => {
      if (!stdoutGone) process.stdout.write(terminalSafe(redactSecrets(text)));
    },
    reveal: (text) => {
      if (!stdoutGone) process.stdout.write(terminalSafe(text));
    },
    stderr: (text) => void process.stderr.write(terminalSafe(redactSecrets(text))),
    warn: (text) => void process.stderr.write(`ferry: ${terminalSafe(redactSecrets(text))}\n`),
    debug: (error) => {
      if (process.env.FERRY_DEBUG)
        process.stderr.write(`${redactSecrets((error as Error)?.stack ?? String(error))}\n`);
    },
  };
}

/** The command-line flag that sets a contract field, for one-line errors (`--bucket: …`). */
const FIELD_FLAGS: Record<string, string> = {
  id: '--id',
  name: '--name',
  adminEmail: '--admin-email',
  orgId: '--org',
  kind: '--kind',
  source: '--source',
  'source.type': '--source',
  'source.path': '--source-path',
  projectId: '--project',
  datasets: '--datasets',
  'destination.bucket': '--bucket',
  'destination.region': '--region',
  'destination.prefix': '--prefix',
  'destination.profile': '--profile',
  'destination.kmsKeyArn': '--kms-key',
  'destination.endpoint': '--endpoint',
  'destination.path': '--folder',
  'destination.permissions': '--file-permissions',
  dataDir: '--data-dir',
  events: '--events',
  project: '--project',
  duplicateRate: '--duplicate-rate',
  destination: '--bucket or --folder',
  'destination.type': '--bucket or --folder',
  createdBy: '--created-by',
  secretKey: '--secret-key-stdin or --secret-key-env',
  'source.apiKey': '--api-key',
  'source.region': '--amplitude-region',
  'source.endpoint': '--amplitude-endpoint',
  'destination.sse': '--sse',
  'options.partitionBytes': '--partition-size',
  'options.gzipLevel': '--gzip-level',
  'options.jsonTable': '--json-table',
  'schedule.settleMinutes': '--settle-minutes',
  'schedule.lookbackHours': '--lookback-hours',
  'schedule.accessTries': '--access-tries',
  'options.eventFilter': '--include-events / --exclude-events',
  'options.eventFilter.eventTypes': '--include-events / --exclude-events',
  connectionId: '<connection>',
  hour: '--hour',
  from: '--from',
  to: '--to',
  confirmLarge: '--yes',
  confirmed: '--yes',
  confirm: '--yes',
  confirmName: '--confirm',
  keyArn: '--key',
  markDone: '--mark-done',
  mfaCode: '--mfa-code',
  profile: '--profile',
  form: '--form',
  kmsKeyArn: '--kms-key',
  bucket: '--bucket',
  region: '--region',
};

export function fieldToFlag(field: string): string {
  return FIELD_FLAGS[field] ?? FIELD_FLAGS[field.replace(/\.\d+$/, '')] ?? field;
}

/** A plain aligned text table; empty lists print the hint instead. */
export function formatTable(
  rows: Record<string, string>[],
  columns: string[],
  emptyHint: string,
): string {
  if (rows.length === 0) return `${emptyHint}\n`;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return (
    [
      line(columns.map((c) => c.toUpperCase())),
      ...rows.map((r) => line(columns.map((c) => r[c] ?? ''))),
    ].join('\n') + '\n'
  );
}

/** Key/value lines for `show` commands. */
export function formatRecord(record: Record<string, string>): string {
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  return (
    Object.entries(record)
      .map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`)
      .join('\n') + '\n'
  );
}
