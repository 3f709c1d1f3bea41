import type { Job } from '../shared/model/jobs';

// The jobs the history benches store (scripts/bench-history.ts, scripts/bench-team.ts).

/** A realistic finished job: two partitions with checksums, counts, bytes. */
export function makeJob(
  connectionId: string,
  projectId: number,
  hourIndex: number,
  n: number,
): Job {
  const hour = new Date(hourIndex * 3_600_000).toISOString().slice(0, 13);
  const date = hour.slice(0, 10);
  const h = Number(hour.slice(11));
  const at = new Date((hourIndex + 1) * 3_600_000 + 5 * 60_000).toISOString();
  const failed = n % 50 === 0;
  return {
    id: `j_${(hourIndex * 8 + n).toString(36).padStart(9, '0')}_${n.toString(16).padStart(8, '0')}`,
    connectionId,
    dataset: n % 2 ? 'merged-ids' : 'events',
    hour,
    trigger: n % 10 === 0 ? 'backfill' : 'scheduled',
    status: failed ? 'failed' : 'succeeded',
    attempts: failed ? 5 : 1,
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    finishedAt: at,
    durationMs: 42_000,
    counts: { eventsIn: 120_000, eventsOut: 119_400, duplicates: 600, filtered: 0, badLines: 0 },
    bytes: { raw: 190_000_000, compressed: 21_000_000 },
    queryObjects: [],
    // Where the connection exported then (the bench's history holds no move).
    writtenTo: failed
      ? null
      : { type: 's3', bucket: 'acme-exports', prefix: 'amplitude/', endpoint: null },
    objects: failed
      ? []
      : [1, 2].map((p) => ({
          key: `amplitude/${projectId}_${date}_${h}#${p}.json.gz`,
          bytes: 10_500_000,
          rawBytes: 95_000_000,
          events: 59_700,
          sha256: 'ab'.repeat(32),
          etag: `"${'cd'.repeat(16)}-3"`,
        })),
    removed: [],
    notes: [],
    error: failed
      ? {
          kind: 'access',
          code: 's3:PutObject',
          message: 'Missing permission s3:PutObject (PutObject was refused: Access Denied)',
          fix: 'Grant s3:PutObject to the export role.',
        }
      : null,
    retryAt: null,
    cancelledBy: null,
  };
}
