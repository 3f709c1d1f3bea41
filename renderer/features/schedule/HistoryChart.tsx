import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import { startTransition, useEffect, useState } from 'react';
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatBytes } from '../../../shared/format';
import type { HourStat } from '../../../shared/model/schedule';
import { lastFullHour } from '../jobs/HourField';
import { useJobsStore } from '../jobs/store';
import { useScheduleStore } from './store';

const RANGES = { '24': 24, '48': 48, '168': 168 } as const;
const AXIS = { fontSize: 12, fill: 'currentColor' };
const CHART_MARGIN = { top: 8, right: 8, bottom: 0, left: 0 };

function formatValue(value: unknown, name: unknown, item: { payload?: unknown }): string {
  if (name === 'Stored') return formatBytes((item.payload as HourStat).bytes);
  if (name === 'Export lag') return `${String(value)} min`;
  return Number(value).toLocaleString();
}

/**
 * Events and stored bytes per hour, and how long after each hour its export finished (lag),
 * for one connection or all — from the latest successful job of each hour.
 */
export function HistoryChart({ connectionId }: { connectionId?: string }) {
  const stats = useScheduleStore((s) => s.stats);
  // Redraw when the history changes (a job finished).
  const version = useJobsStore((s) => s.version);
  const [hours, setHours] = useState<keyof typeof RANGES>('48');
  // null until the first answer; a failed read keeps what was drawn and says why when none was.
  const [data, setData] = useState<HourStat[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const to = lastFullHour();
    const from = lastFullHour(RANGES[hours] - 1);
    void stats({ connectionId, hourFrom: from, hourTo: to }).then((result) => {
      if (!live) return;
      setFailure(result.ok ? null : result.message);
      // Low priority: the history table paints first, the chart after.
      if (result.ok) startTransition(() => setData(result.value));
    });
    return () => {
      live = false;
    };
  }, [connectionId, hours, stats, version]);

  const rows = (data ?? []).map((d) => ({
    ...d,
    label: `${d.hour.slice(5, 10)} ${d.hour.slice(11)}h`,
    megabytes: d.bytes / 1_048_576,
  }));
  return (
    <Container
      data-testid="history-chart"
      header={
        <Header
          variant="h2"
          description="Events and stored size per hour (UTC), and export lag: minutes from the end of an hour to the end of its scheduled export."
          actions={
            <SegmentedControl
              selectedId={hours}
              onChange={(e) => setHours(e.detail.selectedId as keyof typeof RANGES)}
              options={[
                { id: '24', text: '24 h' },
                { id: '48', text: '48 h' },
                { id: '168', text: '7 days' },
              ]}
            />
          }
        >
          Exported per hour
        </Header>
      }
    >
      {rows.length === 0 ? (
        <Box textAlign="center" color="text-status-inactive" padding="l" data-testid="chart-empty">
          {failure
            ? `Could not read the history: ${failure}`
            : data === null
              ? 'Loading…'
              : 'No exports in this window yet.'}
        </Box>
      ) : (
        <>
          <div style={{ width: '100%', height: 220 }}>
            <ResponsiveContainer>
              <ComposedChart data={rows} syncId="history" margin={CHART_MARGIN}>
                <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
                <XAxis dataKey="label" tick={AXIS} minTickGap={24} />
                <YAxis yAxisId="events" tick={AXIS} width={64} />
                <YAxis yAxisId="bytes" orientation="right" tick={AXIS} width={56} unit=" MB" />
                <Tooltip formatter={formatValue} />
                <Legend />
                <Bar yAxisId="events" dataKey="events" name="Events" fill="#0972d3" />
                <Line
                  yAxisId="bytes"
                  dataKey="megabytes"
                  name="Stored"
                  stroke="#037f0c"
                  dot={false}
                />
              </ComposedChart>
            </ResponsiveContainer>
          </div>
          <div style={{ width: '100%', height: 140 }}>
            <ResponsiveContainer>
              <ComposedChart data={rows} syncId="history" margin={CHART_MARGIN}>
                <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
                <XAxis dataKey="label" tick={AXIS} minTickGap={24} />
                <YAxis tick={AXIS} width={64} unit=" min" />
                <Tooltip formatter={formatValue} />
                <Legend />
                <Line
                  dataKey="lagMinutes"
                  name="Export lag"
                  stroke="#d97c00"
                  dot={false}
                  connectNulls
                />
              </ComposedChart>
            </ResponsiveContainer>
          </div>
        </>
      )}
    </Container>
  );
}
