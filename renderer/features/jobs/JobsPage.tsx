import { JobsTable } from './JobsTable';

/** Every connection's job history. */
export function JobsPage() {
  return <JobsTable fullPage />;
}
