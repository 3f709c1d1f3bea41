import { JOB_STATUSES, type JobListQuery, type JobStatus } from '../../../shared/model/jobs';
import { DATASETS, type Dataset } from '../../../shared/model/fields';

/** A property-filter token as Cloudscape keeps it. */
export interface FilterToken {
  propertyKey?: string;
  operator: string;
  value: unknown;
}

type Filtered = Pick<JobListQuery, 'connectionId' | 'status' | 'dataset'>;

/**
 * The query's connection, statuses and data set as property-filter tokens — one per status
 * (several statuses match any of them).
 */
export function queryTokens(query: Filtered, withConnection: boolean): FilterToken[] {
  const tokens: FilterToken[] = [];
  if (withConnection && query.connectionId)
    tokens.push({ propertyKey: 'connection', operator: '=', value: query.connectionId });
  for (const s of query.status ?? [])
    tokens.push({ propertyKey: 'status', operator: '=', value: s });
  if (query.dataset) tokens.push({ propertyKey: 'dataset', operator: '=', value: query.dataset });
  return tokens;
}

/**
 * Tokens back to the query. One connection and one data set at a time: a newer token of either
 * replaces the older; statuses add up; unknown values and free text are dropped.
 */
export function tokensQuery(tokens: readonly FilterToken[]): Filtered {
  const out: Filtered = {};
  const status = new Set<JobStatus>();
  for (const t of tokens) {
    if (t.operator !== '=' || typeof t.value !== 'string') continue;
    if (t.propertyKey === 'connection') out.connectionId = t.value;
    if (t.propertyKey === 'dataset' && (DATASETS as readonly string[]).includes(t.value))
      out.dataset = t.value as Dataset;
    if (t.propertyKey === 'status' && (JOB_STATUSES as readonly string[]).includes(t.value))
      status.add(t.value as JobStatus);
  }
  if (status.size > 0) out.status = [...status];
  return out;
}

/**
 * The count beside the table's title: the history's total once it has been read, and nothing
 * while it is being read or could not be — "(0)" above "Could not read the job history" would
 * say there are no jobs, which nobody knows.
 */
export function jobsCounter(
  status: 'idle' | 'loading' | 'ready' | 'error',
  total: number,
  shown: number,
): string | undefined {
  if ((status === 'error' || status === 'loading') && shown === 0) return undefined;
  return `(${total.toLocaleString()})`;
}
