import { useEffect } from 'react';
import { sentence } from '../../../shared/format';
import { routeQuery, withQuery } from '../../app/route-paths';
import { useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import { useJobsStore } from './store';

/**
 * A job's details have an address: the page that lists it with `?job=<id>` (#/jobs?job=jb_…,
 * #/connections/cn_…?job=jb_…), so they can be bookmarked, shared or opened in a new tab.
 */
export const jobHref = (path: string, jobId: string): string => `#${withQuery(path, 'job', jobId)}`;

/** The address without a job: the split panel closed. */
export const withoutJob = (path: string): string => withQuery(path, 'job', null);

/**
 * The split panel shows the job the address names: a row of the list at once, another one
 * asked of Ferry (a bookmark, a new tab); none when the address names none — a new page, the
 * panel closed. An id Ferry does not know says so instead of an empty panel.
 */
export function useJobFromAddress(): void {
  const jobId = useRouter((s) => routeQuery(s.path).get('job'));
  const navigate = useRouter((s) => s.navigate);
  const select = useJobsStore((s) => s.select);
  const get = useJobsStore((s) => s.get);
  const flash = useAppStore((s) => s.flash);
  useEffect(() => {
    const { selected, items } = useJobsStore.getState();
    if (!jobId) {
      if (selected) select(null);
      return;
    }
    if (selected?.id === jobId) return;
    const listed = items.find((j) => j.id === jobId);
    if (listed) return select(listed);
    let live = true;
    void get(jobId).then((found) => {
      if (!live) return;
      if (found.ok) return select(found.value);
      flash('error', `Could not open the job's details. ${sentence(found.message)}`);
      navigate(withoutJob(useRouter.getState().path));
    });
    return () => {
      live = false;
    };
  }, [jobId, select, get, flash, navigate]);
}
