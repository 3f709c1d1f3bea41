/**
 * Who may do what in team mode: each person's API token has one role.
 *
 * - viewer: reads everything, changes nothing;
 * - operator: runs the exports — exports an hour, retries, cancels, starts and cancels
 *   backfills, resumes the schedule, enables or disables a connection;
 * - admin: everything, including policies, migrations, settings and the records themselves.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What an operator may change besides reading. */
const OPERATOR_METHODS: ReadonlySet<string> = new Set([
  'jobs.exportHour',
  'jobs.cancel',
  'jobs.retry',
  'jobs.retryFailed',
  'schedule.resume',
  'backfills.start',
  'backfills.cancel',
]);

/**
 * Whether `role` may call `method` with `input`; `mutates` is the contract's word on whether the
 * method changes anything. An operator may update a connection only to enable or disable it.
 */
export function roleAllows(role: Role, method: string, input: unknown, mutates: boolean): boolean {
  if (role === 'admin' || !mutates) return true;
  if (role === 'viewer') return false;
  if (OPERATOR_METHODS.has(method)) return true;
  if (method !== 'connections.update' || typeof input !== 'object' || input === null) return false;
  const keys = Object.keys(input);
  return keys.includes('enabled') && keys.every((k) => k === 'id' || k === 'enabled');
}

/** Why a call was refused, in words the person reads. */
export function roleRefusal(name: string, role: Role, method: string): string {
  const can =
    role === 'viewer'
      ? 'viewers read, and change nothing'
      : 'operators run exports, retries, backfills and enable or disable connections';
  return `${name} is ${role === 'operator' ? 'an' : 'a'} ${role} and may not call ${method}: ${can}. Ask a team admin.`;
}
