import type { Job } from '../../shared/model/jobs';

/**
 * A finished job record with every field set, for tests that write history directly: name the
 * fields the test is about, the rest are those of a plain succeeded hour.
 */
export function jobRecord(overrides: Partial<Job> & Pick<Job, 'id'>): Job {
  const hour = overrides.hour ?? '2026-01-01T00';
  return {
    connectionId: 'cn_aaaaaaaa',
    dataset: 'events',
    hour,
    trigger: 'scheduled',
    status: 'succeeded',
    attempts: 1,
    createdAt: `${hour}:30:00.000Z`,
    updatedAt: `${hour}:31:00.000Z`,
    startedAt: `${hour}:30:00.000Z`,
    finishedAt: `${hour}:31:00.000Z`,
    durationMs: 60_000,
    counts: { eventsIn: 10, eventsOut: 10, duplicates: 0, filtered: 0, badLines: 0 },
    bytes: { raw: 1000, compressed: 100 },
    objects: [],
    queryObjects: [],
    writtenTo: null,
    removed: [],
    notes: [],
    error: null,
    retryAt: null,
    cancelledBy: null,
    ...overrides,
  };
}
