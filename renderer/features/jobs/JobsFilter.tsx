import PropertyFilter from '@cloudscape-design/components/property-filter';
import type { ReactNode } from 'react';
import { JOB_STATUSES, type JobListQuery, type JobStatus } from '../../../shared/model/jobs';
import { DATASETS, type Dataset } from '../../../shared/model/fields';
import { DATASET_WORDS, JOB_STATUS_WORDS } from '../../../shared/model/words';
import { queryTokens, tokensQuery } from './job-filter';

/**
 * Filter jobs as in the AWS console: "Status = Failed", "Connection = prod", "Data = Events".
 * Several statuses match any of them; one connection and one data set at a time.
 */
export function JobsFilter({
  query,
  connections,
  withConnection,
  onChange,
  clearAll,
}: {
  query: JobListQuery;
  connections: { id: string; name: string }[];
  withConnection: boolean;
  onChange(filter: Pick<JobListQuery, 'connectionId' | 'status' | 'dataset'>): void;
  /** Shown after the tokens in place of Cloudscape's "Clear filters" (which keeps the hours). */
  clearAll: ReactNode;
}) {
  // Tokens keep ids and codes; they are shown by name.
  const equals = (format: (value: string) => string) => [{ operator: '=', format }];
  const connectionName = (id: string) => connections.find((c) => c.id === id)?.name ?? id;
  const properties = [
    ...(withConnection
      ? [
          {
            key: 'connection',
            propertyLabel: 'Connection',
            groupValuesLabel: 'Connections',
            operators: equals(connectionName),
          },
        ]
      : []),
    {
      key: 'status',
      propertyLabel: 'Status',
      groupValuesLabel: 'Statuses',
      operators: equals((s) => JOB_STATUS_WORDS[s as JobStatus] ?? s),
    },
    {
      key: 'dataset',
      propertyLabel: 'Data',
      groupValuesLabel: 'Data sets',
      operators: equals((d) => DATASET_WORDS[d as Dataset] ?? d),
    },
  ];
  const options = [
    ...(withConnection
      ? connections.map((c) => ({ propertyKey: 'connection', value: c.id, label: c.name }))
      : []),
    ...JOB_STATUSES.map((s) => ({ propertyKey: 'status', value: s, label: JOB_STATUS_WORDS[s] })),
    ...DATASETS.map((d) => ({ propertyKey: 'dataset', value: d, label: DATASET_WORDS[d] })),
  ];
  // Only these properties filter (no free text): the box says so, and so does a word that
  // matches none of their values, instead of an empty list and nothing done.
  const what = withConnection ? 'status, data or connection' : 'status or data';
  return (
    <PropertyFilter
      data-testid="jobs-filter"
      query={{ tokens: queryTokens(query, withConnection), operation: 'and' }}
      onChange={(e) => onChange(tokensQuery(e.detail.tokens))}
      filteringProperties={properties}
      filteringOptions={options}
      filteringPlaceholder={`Filter jobs by ${what}`}
      filteringAriaLabel="Filter jobs"
      filteringEmpty={`No ${what} matches these words. Pick one from the list as you type.`}
      disableFreeTextFiltering
      hideOperations
      expandToViewport
      customFilterActions={clearAll}
    />
  );
}
