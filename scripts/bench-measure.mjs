// Helpers the benches share: timing a process, summing up an export's job, medians.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** Run a command to completion: wall seconds and peak RSS (GNU time's %M, else /proc polling). */
export function measure(label, command, argv, env = {}) {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const started = process.hrtime.bigint();
  const result = timeBin
    ? spawnSync(timeBin, ['-f', '__RSS_KB=%M', command, ...argv], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
    : spawnSync(command, argv, {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${label} failed (${result.status}): ${result.stderr}`);
  const rss = /__RSS_KB=(\d+)/.exec(result.stderr ?? '');
  return {
    label,
    seconds: round(seconds),
    peakRssMB: rss ? round(Number(rss[1]) / 1024) : null,
    stdout: result.stdout,
  };
}

/** What the export's job said about itself (`ferry --json export`). */
export function jobSummary(stdout) {
  const summary = JSON.parse(stdout);
  const job = summary.results[0];
  if (!job || job.status !== 'succeeded') throw new Error(`the export failed: ${stdout}`);
  return {
    seconds: round(job.durationMs / 1000),
    eventsOut: job.counts.eventsOut,
    duplicates: job.counts.duplicates,
    files: job.objects.length,
    compressedMB: round(job.bytes.compressed / 1e6),
  };
}

/** The index of the median value (the lower middle one of an even count). */
export function medianIndex(values) {
  const order = values.map((v, i) => [v, i]).sort((x, y) => x[0] - y[0]);
  return order[Math.floor((order.length - 1) / 2)][1];
}

export function round(n) {
  return Math.round(n * 100) / 100;
}
