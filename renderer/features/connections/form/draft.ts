import { kmsKeyProblem, regionProblem } from '../../../../shared/aws/regions';
import { endpointPathProblem } from '../../../../shared/model/fields';
import type { Connection, ConnectionCreate } from '../../../../shared/model/entities';
import { destinationMove as moveOf } from '../../../../shared/model/places';
import {
  connectionCreate,
  destination as destinationSchema,
  DEFAULT_PARTITION_BYTES,
  effectiveSse,
  MIB,
  type SSE_MODES,
} from '../../../../shared/model/entities';
import { fieldErrors } from '../../common/action';

/** The form's fields as typed: strings where the admin types numbers. */
export interface Draft {
  name: string;
  projectId: string;
  destType: 's3' | 'folder';
  bucket: string;
  region: string;
  prefix: string;
  profile: string;
  kmsKeyArn: string;
  endpoint: string;
  forcePathStyle: boolean;
  folder: string;
  events: boolean;
  mergedIds: boolean;
  createdBy: string;
  enabled: boolean;
  sse: (typeof SSE_MODES)[number];
  partitionMiB: string;
  gzipLevel: string;
  filterMode: 'none' | 'include' | 'exclude';
  filterTypes: string;
  manifest: boolean;
  queryCopy: boolean;
  jsonTable: boolean;
  /** Empty: the source's default. */
  settleMinutes: string;
  lookbackHours: string;
  accessTries: string;
}

/** The draft of a saved connection, or of a new one (to this project and kind of destination). */
export function draftFrom(
  c: Connection | undefined,
  projectId: string,
  destType: Draft['destType'] = 's3',
): Draft {
  const s3 = c?.destination.type === 's3' ? c.destination : null;
  return {
    name: c?.name ?? '',
    projectId: c ? String(c.projectId) : projectId,
    destType: c?.destination.type ?? destType,
    bucket: s3?.bucket ?? '',
    region: s3?.region ?? 'us-east-1',
    prefix: s3?.prefix ?? '',
    // Chosen from the profiles on this machine: none is assumed ("default" may not exist).
    profile: s3?.profile ?? '',
    kmsKeyArn: s3?.kmsKeyArn ?? '',
    endpoint: s3?.endpoint ?? '',
    forcePathStyle: s3?.forcePathStyle ?? false,
    folder: c?.destination.type === 'folder' ? c.destination.path : '',
    events: c ? c.datasets.includes('events') : true,
    mergedIds: c ? c.datasets.includes('merged-ids') : false,
    createdBy: c?.createdBy ?? '',
    enabled: c?.enabled ?? false,
    sse: s3?.sse ?? 'bucket-default',
    partitionMiB: String((c?.options.partitionBytes ?? DEFAULT_PARTITION_BYTES) / MIB),
    gzipLevel: String(c?.options.gzipLevel ?? 6),
    filterMode: c?.options.eventFilter?.mode ?? 'none',
    filterTypes: c?.options.eventFilter?.eventTypes.join('\n') ?? '',
    manifest: c?.options.manifest ?? false,
    queryCopy: c?.options.queryCopy ?? false,
    jsonTable: c?.options.jsonTable ?? false,
    settleMinutes: c?.schedule.settleMinutes === null || !c ? '' : String(c.schedule.settleMinutes),
    lookbackHours: String(c?.schedule.lookbackHours ?? 24),
    accessTries: String(c?.schedule.accessTries ?? 5),
  };
}

/** What is wrong with a draft before it is sent: the contract's rules, the Region, the endpoint. */
export function problemsOf(d: Draft): Record<string, string> | null {
  const input = toInput(d);
  const dest = input.destination;
  const region = dest.type === 's3' ? regionProblem(dest.region, dest.endpoint) : null;
  const key = dest.type === 's3' ? kmsKeyProblem(dest.kmsKeyArn, dest.region) : null;
  const endpoint = dest.type === 's3' ? endpointPathProblem(dest.endpoint) : null;
  const shared = {
    ...(region && { 'destination.region': region }),
    ...(key && { 'destination.kmsKeyArn': key }),
    ...(endpoint && { 'destination.endpoint': endpoint }),
  };
  return fieldErrors(connectionCreate, input) ?? (region || key || endpoint ? shared : null);
}

/** The fields the form shows for a draft, by the API's dotted paths. */
export function shownFields(d: Draft): string[] {
  const destination =
    d.destType === 'folder'
      ? ['destination.path']
      : ['profile', 'bucket', 'region', 'prefix', 'kmsKeyArn', 'endpoint', 'sse'].map(
          (f) => `destination.${f}`,
        );
  return [
    'name',
    'projectId',
    ...destination,
    'datasets',
    'createdBy',
    'enabled',
    'options.partitionBytes',
    'options.gzipLevel',
    'options.eventFilter',
    'options.eventFilter.eventTypes',
    'schedule.settleMinutes',
    'schedule.lookbackHours',
    'schedule.accessTries',
  ];
}

/** The API input a draft stands for (numbers parsed, the event list split). */
export function toInput(d: Draft): ConnectionCreate {
  return {
    name: d.name,
    projectId: d.projectId,
    destination:
      d.destType === 'folder'
        ? { type: 'folder', path: d.folder }
        : {
            type: 's3',
            bucket: d.bucket,
            region: d.region,
            prefix: d.prefix,
            profile: d.profile,
            kmsKeyArn: d.kmsKeyArn || null,
            endpoint: d.endpoint || null,
            forcePathStyle: d.forcePathStyle,
            sse: effectiveSse(d.kmsKeyArn, d.sse),
          },
    datasets: [
      ...(d.events ? (['events'] as const) : []),
      ...(d.mergedIds ? (['merged-ids'] as const) : []),
    ],
    enabled: d.enabled,
    options: {
      partitionBytes: Math.round(Number(d.partitionMiB) * MIB),
      gzipLevel: Number(d.gzipLevel),
      eventFilter:
        d.filterMode === 'none'
          ? null
          : {
              mode: d.filterMode,
              eventTypes: d.filterTypes
                .split(/[\n,]/)
                .map((t) => t.trim())
                .filter(Boolean),
            },
      manifest: d.manifest,
      queryCopy: d.queryCopy,
      // A Glue table reads S3 only: the switch is not shown for a folder.
      jsonTable: d.destType === 's3' && d.jsonTable,
    },
    schedule: {
      settleMinutes: d.settleMinutes.trim() === '' ? null : Number(d.settleMinutes),
      lookbackHours: Number(d.lookbackHours),
      accessTries: Number(d.accessTries),
    },
    createdBy: d.createdBy || null,
  };
}

/**
 * Where an edit moves a saved connection's exports (shared/model/describe.ts), or null: a new
 * connection, the same place, or a place not valid yet.
 */
export function destinationMove(
  saved: Connection | undefined,
  d: Draft,
): { from: string; to: string } | null {
  if (!saved) return null;
  const typed = destinationSchema.safeParse(toInput(d).destination);
  return typed.success ? moveOf(saved.destination, typed.data) : null;
}

export const SSE_LABELS: Record<(typeof SSE_MODES)[number], string> = {
  'bucket-default': "The bucket's default encryption",
  AES256: 'SSE-S3 (AES256)',
  'aws:kms': 'SSE-KMS (the key above)',
};

/** Set one field of the draft. */
export type SetDraft = <K extends keyof Draft>(key: K, value: Draft[K]) => void;

/** What every section of the form gets: the draft, a way to change it, and field errors. */
export interface SectionProps {
  draft: Draft;
  set: SetDraft;
  /** The error under a field, by the API's dotted path. */
  err(field: string): string | undefined;
}
