import SpaceBetween from '@cloudscape-design/components/space-between';
import { HistoryChart } from '../schedule/HistoryChart';
import { JobsTable } from './JobsTable';

/** Every connection's job history, with the hourly chart of all of them. */
export function JobsPage() {
  return (
    <SpaceBetween size="l">
      <JobsTable fullPage />
      <HistoryChart />
    </SpaceBetween>
  );
}
