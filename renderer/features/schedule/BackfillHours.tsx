import { hourLabel, hourText } from '../common/time';
import Box from '@cloudscape-design/components/box';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect, useState } from 'react';
import type { Backfill } from '../../../shared/model/jobs';
import type { BackfillHour } from '../../../shared/model/schedule';
import { BACKFILL_HOUR_LOOK } from '../common/status-look';
import { useJobsStore } from '../jobs/store';
import { useScheduleStore } from './store';

const SHOWN = 168;
/**
 * Per-hour progress of a backfill: one cell per hour (and dataset) with where it is, refreshed
 * as its jobs report in. Up to a week of hours is drawn; longer ranges are in the history.
 */
export function BackfillHours({ backfill }: { backfill: Backfill }) {
  const hours = useScheduleStore((s) => s.hours);
  // Refresh when a job of anything changed (pushed), or the backfill's counters moved.
  const version = useJobsStore((s) => s.version);
  const ended = backfill.succeeded + backfill.failed + backfill.cancelled;
  const [data, setData] = useState<{ items: BackfillHour[]; total: number } | null>(null);
  useEffect(() => {
    let live = true;
    void hours(backfill.id).then((r) => {
      if (live && r.ok) setData(r.value);
    });
    return () => {
      live = false;
    };
  }, [backfill.id, backfill.status, ended, version, hours]);
  if (!data) return null;
  const shown = data.items.slice(0, SHOWN);
  const many = backfill.datasets.length > 1;
  return (
    <div data-testid="backfill-hours">
      <div
        style={{
          display: 'grid',
          gridTemplateColumns: `repeat(auto-fill, minmax(${many ? 190 : 150}px, 1fr))`,
          gap: '2px 8px',
          maxHeight: 240,
          overflowY: 'auto',
        }}
      >
        {shown.map((h) => (
          <span
            key={`${h.hour}|${h.dataset}`}
            data-testid={`bf-hour-${h.hour}-${h.dataset}`}
            data-status={h.status}
            title={`${hourText(h.hour)}, ${h.dataset}: ${h.status}`}
          >
            <StatusIndicator type={BACKFILL_HOUR_LOOK[h.status]}>
              {hourLabel(h.hour)}
              {many ? ` ${h.dataset === 'events' ? 'ev' : 'ids'}` : ''}
            </StatusIndicator>
          </span>
        ))}
      </div>
      {data.total > shown.length && (
        <Box variant="small" color="text-body-secondary">
          Showing the first {shown.length} of {data.total.toLocaleString()}; the history lists every
          hour.
        </Box>
      )}
    </div>
  );
}
