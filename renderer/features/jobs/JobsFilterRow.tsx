import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import { useState } from 'react';
import type { JobListQuery } from '../../../shared/model/jobs';
import { hour } from '../../../shared/model/fields';
import { HourRangePicker } from './HourRangePicker';
import { JobsFilter } from './JobsFilter';

/** The filter row: the property filter takes the room left by the hour fields. */
const FILTER_ROW = { display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'flex-start' } as const;

/** A filter hour as typed: empty, or `yyyy-MM-ddTHH`. */
const hourProblem = (v: string) =>
  v === '' || hour.safeParse(v).success ? undefined : 'Write yyyy-MM-ddTHH, e.g. 2026-03-01T05';

/**
 * The job history's filters: status, data and connection (JobsFilter), an hour range typed or
 * picked, and "Clear filters". Typed hours apply on Enter or leaving the field, once valid.
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
  // What is typed in the hour filters, until it is applied (then the query holds it).
  const [typed, setTyped] = useState<{ from?: string; to?: string }>({});
  const hourFrom = typed.from ?? query.hourFrom ?? '';
  const hourTo = typed.to ?? query.hourTo ?? '';
  const applyHours = (from: string, to: string) => {
    if (hourProblem(from) || hourProblem(to)) return;
    setTyped({});
    void setQuery({ ...query, offset: 0, hourFrom: from || undefined, hourTo: to || undefined });
  };
  return (
    <div style={FILTER_ROW}>
      <div style={{ flex: '1 1 320px' }}>
        <JobsFilter
          query={query}
          withConnection={!connectionId}
          connections={connections}
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
      <FormField errorText={hourProblem(hourFrom)}>
        <Input
          data-testid="filter-from"
          value={hourFrom}
          placeholder="From hour (yyyy-MM-ddTHH)"
          onChange={(e) => setTyped({ ...typed, from: e.detail.value })}
          onBlur={() => applyHours(hourFrom, hourTo)}
          onKeyDown={(e) => e.detail.key === 'Enter' && applyHours(hourFrom, hourTo)}
        />
      </FormField>
      <FormField errorText={hourProblem(hourTo)}>
        <Input
          data-testid="filter-to"
          value={hourTo}
          placeholder="To hour (yyyy-MM-ddTHH)"
          onChange={(e) => setTyped({ ...typed, to: e.detail.value })}
          onBlur={() => applyHours(hourFrom, hourTo)}
          onKeyDown={(e) => e.detail.key === 'Enter' && applyHours(hourFrom, hourTo)}
        />
      </FormField>
      <HourRangePicker
        from={query.hourFrom ?? ''}
        to={query.hourTo ?? ''}
        onChange={(range) => applyHours(range?.from ?? '', range?.to ?? '')}
      />
      {filtered && (
        <Button
          variant="link"
          data-testid="clear-filters"
          onClick={() => {
            setTyped({});
            // A connection's own history stays its own; the Jobs page shows all again.
            void setQuery({ offset: 0, limit, connectionId, latestOnly: true });
          }}
        >
          Clear filters
        </Button>
      )}
    </div>
  );
}
