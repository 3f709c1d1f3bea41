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
import { lastFullHour } from '../jobs/hour-range';
import { useJobsStore } from '../jobs/store';
import { chartHours, type ChartHour, type ChartWindow } from './chart-hours';
import { useScheduleStore } from './store';

const RANGES = { '24': 24, '48': 48, '168': 168 } as const;
const AXIS = { fontSize: 12, fill: 'currentColor' };
const CHART_MARGIN = { top: 8, right: 8, bottom: 0, left: 0 };

function formatValue(value: unknown, name: unknown, item: { payload?: unknown }): string {
  if (name === 'Stored') return formatBytes((item.payload as ChartHour).bytes);
  if (name === 'Export lag') return `${String(value)} min`;
  if (name === 'Failed') return 'this hour failed — see its job';
  if (name === 'Waiting') return 'being exported, or waiting to be tried again — see its job';
  return Number(value).toLocaleString();
}

/** Why a chart is empty, in a sentence (never an empty frame that looks like "no data"). */
function emptySentence(range: string, failure: string | null, loaded: boolean): string {
  if (failure) return `Could not read the history: ${failure}`;
  if (!loaded) return 'Loading…';
  return `No hour in the last ${range} was exported, failed, or is waiting to be tried again: hourly exports may be off, or the hours are still settling.`;
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
  const [data, setData] = useState<ChartWindow | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const to = lastFullHour();
    const from = lastFullHour(RANGES[hours] - 1);
    void stats({ connectionId, hourFrom: from, hourTo: to }).then((result) => {
      if (!live) return;
      setFailure(result.ok ? null : result.message);
      // Low priority: the history table paints first, the chart after.
      if (result.ok) startTransition(() => setData(chartHours(result.value, from, to)));
    });
    return () => {
      live = false;
    };
  }, [connectionId, hours, stats, version]);

  const rows = data?.hours ?? [];
  const rangeText = hours === '168' ? '7 days' : `${hours} hours`;
  const empty = !data || data.exported + data.failed + data.waiting === 0;
  return (
    <Container
      data-testid="history-chart"
      header={
        <Header
          variant="h2"
          description="Events and stored size per hour (UTC); failed hours in red, hours waiting to be tried again in amber, hours with no export left blank. Export lag: minutes from the end of an hour to the end of its scheduled export."
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
      {empty ? (
        <Box textAlign="center" color="text-status-inactive" padding="l" data-testid="chart-empty">
          {emptySentence(rangeText, failure, data !== null)}
        </Box>
      ) : (
        <>
          <VolumeChart rows={rows} />
          {data.withLag === 0 ? (
            <Box color="text-status-inactive" padding="s" data-testid="lag-empty">
              Export lag is measured for scheduled exports; none finished in the last {rangeText}{' '}
              (manual exports and backfills have no lag).
            </Box>
          ) : (
            <LagChart rows={rows} />
          )}
        </>
      )}
    </Container>
  );
}

/** Events per hour (bars), stored size (line), and marks on hours that failed or wait. */
function VolumeChart({ rows }: { rows: ChartHour[] }) {
  return (
    <div style={{ width: '100%', height: 220 }}>
      <ResponsiveContainer>
        <ComposedChart data={rows} syncId="history" margin={CHART_MARGIN}>
          <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
          <XAxis dataKey="label" tick={AXIS} minTickGap={24} />
          <YAxis yAxisId="events" tick={AXIS} width={64} />
          <YAxis
            yAxisId="bytes"
            orientation="right"
            tick={AXIS}
            width={88}
            tickFormatter={(mb: number) => formatBytes(mb * 1_048_576)}
          />
          <YAxis yAxisId="mark" hide domain={[0, 1]} />
          <Tooltip formatter={formatValue} />
          <Legend />
          <Bar yAxisId="events" dataKey="events" name="Events" fill="#0972d3" />
          <Bar
            yAxisId="mark"
            dataKey="failedMark"
            name="Failed"
            fill="#d91515"
            fillOpacity={0.35}
            stroke="#d91515"
          />
          <Bar
            yAxisId="mark"
            dataKey="waitingMark"
            name="Waiting"
            fill="#8d6605"
            fillOpacity={0.3}
            stroke="#8d6605"
          />
          <Line
            yAxisId="bytes"
            dataKey="megabytes"
            name="Stored"
            stroke="#037f0c"
            dot={rows.length <= 48}
            connectNulls={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Minutes from the end of each hour to the end of its scheduled export. */
function LagChart({ rows }: { rows: ChartHour[] }) {
  return (
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
            connectNulls={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
