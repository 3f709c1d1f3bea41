import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Connection } from '../../../shared/model/entities';
import { describePlace, exportPlaceOf, wroteHere } from '../../../shared/model/places';
import type { Job } from '../../../shared/model/jobs';
import { hoursBetween } from '../../../shared/model/export-format';
import type { Dataset } from '../../../shared/model/fields';
import type { ReconcileItem, ReconcileReport } from '../../../shared/model/schedule';
import type { Sink, StoredObject } from '../sinks/types';
import type { JobHistoryPort } from '../store/ports';
import { markedFiles } from '../query/markers';
import { queryMergedIdsObjectKey } from '../../../shared/model/query-format';

/**
 * Compare what the destination holds with what the job history says was written, hour by hour:
 * objects missing from the destination, extra objects no job wrote, and objects whose size or
 * checksum changed (S3 ETag; sha256 of the file for a folder).
 */
export async function reconcile(
  connection: Connection,
  projectId: number,
  orgId: number,
  sink: Sink,
  jobs: JobHistoryPort,
  from: string,
  to: string,
): Promise<ReconcileReport> {
  const prefix = connection.destination.type === 's3' ? connection.destination.prefix : '';
  const hours = hoursBetween(from, to);
  const report: ReconcileReport = {
    connectionId: connection.id,
    connectionName: connection.name,
    from,
    to,
    hours: hours.length,
    matching: 0,
    notExported: [],
    missing: [],
    extra: [],
    changed: [],
    elsewhere: [],
  };
  const here = exportPlaceOf(connection.destination);

  // One listing per day and dataset: keys carry the hour.
  const listed = new Map<string, StoredObject>();
  for (const day of [...new Set(hours.map((h) => h.slice(0, 10)))]) {
    if (connection.datasets.includes('events'))
      for (const o of await sink.list(`${prefix}${projectId}_${day}_`)) listed.set(o.key, o);
    if (connection.datasets.includes('merged-ids'))
      for (const o of await sink.list(`${prefix}-${orgId}_${day}_`)) listed.set(o.key, o);
  }

  for (const hour of hours) {
    const datePart = `${hour.slice(0, 10)}_${Number(hour.slice(11, 13))}`;
    let anyJob = false;
    for (const dataset of connection.datasets) {
      const ownKey = (key: string) =>
        dataset === 'events'
          ? key.startsWith(`${prefix}${projectId}_${datePart}#`)
          : key === `${prefix}-${orgId}_${datePart}.json.gz`;
      const actual = [...listed.values()].filter((o) => ownKey(o.key));
      const job = await latestSucceeded(jobs, connection.id, dataset, hour);
      if (!job) {
        for (const o of actual)
          report.extra.push(extra(hour, dataset, o, 'no job in the history wrote this object'));
        continue;
      }
      anyJob = true;
      // Written where the connection exported before it moved: its objects are not here.
      if (job.writtenTo && !wroteHere(job, here)) {
        const place = describePlace(job.writtenTo);
        report.elsewhere.push({ hour, dataset, place, jobId: job.id });
        for (const o of actual)
          report.extra.push(
            extra(
              hour,
              dataset,
              o,
              `the latest export of this hour (job ${job.id}) wrote to ${place}`,
            ),
          );
        continue;
      }
      const byKey = new Map(actual.map((o) => [o.key, o]));
      for (const object of job.objects) {
        const found = byKey.get(object.key);
        byKey.delete(object.key);
        const expected = { bytes: object.bytes, sha256: object.sha256, etag: object.etag };
        if (!found) {
          report.missing.push({
            hour,
            dataset,
            key: object.key,
            expected,
            actual: null,
            reason: `written by job ${job.id}, not in the destination now`,
          });
          continue;
        }
        const problem = await difference(sink, object, found);
        if (problem)
          report.changed.push({
            hour,
            dataset,
            key: object.key,
            expected,
            actual: { bytes: found.size, etag: found.etag },
            reason: problem,
          });
        else report.matching++;
      }
      for (const o of byKey.values())
        report.extra.push(
          extra(hour, dataset, o, `not written by the latest export of this hour (job ${job.id})`),
        );
      // The hour's query copy: found through its markers (events, in many date folders) or at
      // the one name the hour gives it (merged IDs).
      const copyKeys =
        dataset === 'events'
          ? await markedFiles(sink, prefix, projectId, hour)
          : [queryMergedIdsObjectKey(prefix, orgId, hour)];
      await reconcileCopy(report, sink, { hour, dataset, job, copyKeys });
    }
    if (!anyJob && !report.extra.some((e) => e.hour === hour)) report.notExported.push(hour);
  }
  return report;
}

/**
 * The hour's query copy against the job's record: `copyKeys` are the names where its files may
 * be (each looked up once with the job's own).
 */
async function reconcileCopy(
  report: ReconcileReport,
  sink: Sink,
  {
    hour,
    dataset,
    job,
    copyKeys,
  }: { hour: string; dataset: Dataset; job: Job; copyKeys: string[] },
): Promise<void> {
  if (job.queryObjects.length === 0 && copyKeys.length === 0) return;
  const keys = [...new Set([...job.queryObjects.map((o) => o.key), ...copyKeys])];
  const byKey = new Map((await sink.find(keys)).map((o) => [o.key, o]));
  for (const object of job.queryObjects) {
    const found = byKey.get(object.key);
    byKey.delete(object.key);
    const expected = { bytes: object.bytes, sha256: object.sha256, etag: object.etag };
    const problem = found
      ? await difference(sink, object, found)
      : `query copy file written by job ${job.id}, not in the destination now`;
    if (!problem) report.matching++;
    else
      (found ? report.changed : report.missing).push({
        hour,
        dataset,
        key: object.key,
        expected,
        actual: found ? { bytes: found.size, etag: found.etag } : null,
        reason: found ? `query copy: ${problem}` : problem,
      });
  }
  for (const o of byKey.values())
    report.extra.push(
      extra(
        hour,
        dataset,
        o,
        `query copy file not written by the latest export of this hour (job ${job.id})`,
      ),
    );
}

/** An object in the destination that the latest job of its hour does not account for. */
function extra(hour: string, dataset: Dataset, o: StoredObject, reason: string): ReconcileItem {
  return {
    hour,
    dataset,
    key: o.key,
    expected: null,
    actual: { bytes: o.size, etag: o.etag },
    reason,
  };
}

async function latestSucceeded(
  jobs: JobHistoryPort,
  connectionId: string,
  dataset: Dataset,
  hour: string,
): Promise<Job | null> {
  return (
    (
      await jobs.list({
        connectionId,
        dataset,
        hourFrom: hour,
        hourTo: hour,
        status: ['succeeded'],
        limit: 1,
      })
    ).items[0] ?? null
  );
}

async function difference(
  sink: Sink,
  object: Job['objects'][number],
  found: StoredObject,
): Promise<string | null> {
  if (found.size !== object.bytes)
    return `size is ${found.size} bytes, the job wrote ${object.bytes}`;
  if (object.etag && found.etag && object.etag !== found.etag)
    return `ETag is ${found.etag}, the job wrote ${object.etag}`;
  const file = sink.localPath(found.key);
  if (file) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const sha256 = hash.digest('hex');
    if (sha256 !== object.sha256) return `sha256 is ${sha256}, the job wrote ${object.sha256}`;
  }
  return null;
}
