import Button from '@cloudscape-design/components/button';
import type { JobListQuery } from '../../../shared/model/jobs';
import { HourRangePicker } from './HourRangePicker';
import { JobsFilter } from './JobsFilter';
import { queryTokens } from './job-filter';

/** The filter row: the property filter takes the room left by the hour range. */
const FILTER_ROW = { display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'flex-start' } as const;

/**
 * The job history's filters: status, data and connection (JobsFilter), the hour range (one
 * date-range picker: relative, or absolute hours typed or picked), and "Clear filters".
 */
export function JobsFilterRow({
  query,
  connectionId,
  connections,
  filtered,
  limit,
  setQuery,
}: {
  query: JobListQuery;
  /** The connection whose history this is (none on the Jobs page). */
  connectionId: string | undefined;
  connections: { id: string; name: string }[];
  filtered: boolean;
  limit: number;
  setQuery(query: JobListQuery): Promise<void>;
}) {
  const applyHours = (from: string, to: string) =>
    void setQuery({ ...query, offset: 0, hourFrom: from || undefined, hourTo: to || undefined });
  // One "Clear filters", clearing the hours too: after the tokens where there are some (in place
  // of Cloudscape's own, which would keep the hours), else beside the hour range.
  const clearAll = (
    <Button
      variant="link"
      data-testid="clear-filters"
      onClick={() => {
        // A connection's own history stays its own; the Jobs page shows all again.
        void setQuery({ offset: 0, limit, connectionId, latestOnly: true });
      }}
    >
      Clear filters
    </Button>
  );
  const hasTokens = queryTokens(query, !connectionId).length > 0;
  return (
    <div style={FILTER_ROW}>
      <div style={{ flex: '1 1 320px' }}>
        <JobsFilter
          query={query}
          withConnection={!connectionId}
          connections={connections}
          clearAll={clearAll}
          onChange={(filter) =>
            void setQuery({
              ...query,
              offset: 0,
              connectionId: connectionId ? query.connectionId : filter.connectionId,
              status: filter.status,
              dataset: filter.dataset,
            })
          }
        />
      </div>
      <HourRangePicker
        from={query.hourFrom ?? ''}
        to={query.hourTo ?? ''}
        onChange={(range) => applyHours(range?.from ?? '', range?.to ?? '')}
      />
      {filtered && !hasTokens && clearAll}
    </div>
  );
}
