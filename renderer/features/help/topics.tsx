import Box from '@cloudscape-design/components/box';
import HelpPanel from '@cloudscape-design/components/help-panel';
import type { ReactNode } from 'react';

/** What the help panel says about each page, in a data admin's words. */
const TOPICS = {
  connections: {
    title: 'Connections',
    body: (
      <>
        <p>
          A connection exports one project&apos;s events to one place — an S3 bucket and prefix, or
          a folder — every hour, in the Amplitude export format.
        </p>
        <p>
          <strong>Status</strong> is worked out from every job of the connection: scheduled, manual
          and backfill. <em>Failing</em> means an hour failed after all its tries, or keeps being
          refused access; the reason and the fix are on the connection&apos;s page.
        </p>
        <p>
          <strong>Last exported hour</strong> is the newest hour written in full. Hours are shown in
          UTC, as in the object names, with your local time beside them.
        </p>
      </>
    ),
  },
  connection: {
    title: 'A connection',
    body: (
      <>
        <p>
          The connection&apos;s status with its reason, where it writes, the next scheduled hour,
          its jobs and backfills, and the hours it exported.
        </p>
        <p>
          <strong>Export an hour</strong> writes one hour again; its objects are replaced, never
          doubled. <strong>Backfill</strong> does the same for a range of hours.
        </p>
        <p>
          <strong>Check access</strong> writes, reads and removes a test object the way an export
          does, and names any permission that is missing.
        </p>
      </>
    ),
  },
  connectionForm: {
    title: 'Connection settings',
    body: (
      <>
        <p>
          Pick the project, where to export (an S3 bucket or a folder) and the AWS profile Ferry
          uses. Profiles come from the AWS config and credentials files on this computer; use
          <em> Check</em> to see whose identity a profile gives.
        </p>
        <p>
          Changing the bucket, Region, profile or KMS key of an enabled connection checks access
          again before it is saved.
        </p>
      </>
    ),
  },
  wizard: {
    title: 'Connect to S3',
    body: (
      <>
        <p>
          The wizard writes the bucket policy (and, in the role form, an export role and KMS key
          policy) that let Ferry write to your bucket, then checks access as an export would.
        </p>
        <p>
          Ferry backs up every document before it changes it: find them under{' '}
          <strong>Policy backups</strong>, compare them with what is there now, and restore them.
        </p>
      </>
    ),
  },
  migration: {
    title: 'Move to KMS and a role',
    body: (
      <p>
        Ten steps, one at a time, each checked before the next. Until the last step, a rollback puts
        the bucket policy, encryption, key policy and role back from their backups and turns the old
        connection on again.
      </p>
    ),
  },
  organizations: {
    title: 'Organizations & projects',
    body: (
      <p>
        An organization holds projects; each project reads its events from a source (Amplitude,
        files, or demo data). Merged-ID files are written per organization.
      </p>
    ),
  },
  organization: {
    title: 'An organization',
    body: <p>Its projects, each with its source, and the connections that export them.</p>,
  },
  organizationForm: {
    title: 'Organization settings',
    body: <p>The organization ID is the one Amplitude shows; it names the merged-ID files.</p>,
  },
  projectForm: {
    title: 'Project settings',
    body: (
      <p>
        The project ID names the exported files. The source says where its events come from: the
        Amplitude Export API (with its API key and secret), a folder of files, or demo data.
      </p>
    ),
  },
  jobs: {
    title: 'Jobs',
    body: (
      <>
        <p>
          One row per connection, data set and hour. An hour tried again stays one row; its attempts
          are listed in its details.
        </p>
        <p>
          <strong>Waiting to retry</strong> means a try failed and another is scheduled;{' '}
          <strong>Failed</strong> means every try failed. <strong>Retry failed</strong> queues the
          failed hours again.
        </p>
      </>
    ),
  },
  backups: {
    title: 'Policy backups',
    body: (
      <>
        <p>
          Before Ferry changes a bucket policy, default encryption, key policy or role, it keeps the
          document as it was. Ferry never deletes these backups.
        </p>
        <p>
          <strong>Compare with now</strong> shows what changed since. <strong>Restore</strong> puts
          the document back exactly — and first backs up what it replaces, so a restore can be
          undone the same way.
        </p>
      </>
    ),
  },
  audit: {
    title: 'Audit log',
    body: (
      <>
        <p>
          In team mode, each person signs in with their own token, and Ferry writes one line for
          every change asked of it — through this console, the API or a remote CLI: who, what, on
          which record, when, and how it ended. Reads are not logged.
        </p>
        <p>
          <strong>Refused (role)</strong> means the person&apos;s role does not allow the change
          (viewers read; operators run exports, retries and backfills; admins change everything).
          <strong> Failed</strong> means Ferry tried and said why, as it did to the person.
        </p>
        <p>
          The log is kept in PostgreSQL and never trimmed by Ferry. <code>ferry audit</code> shows
          it in a terminal.
        </p>
      </>
    ),
  },
  settings: {
    title: 'Settings',
    body: (
      <p>
        Email alerts (SMTP), the look of the console, and where Ferry keeps its data on this
        computer.
      </p>
    ),
  },
} satisfies Record<string, { title: string; body: ReactNode }>;

export type HelpTopic = keyof typeof TOPICS;

/** The help panel's content for a page. */
export function HelpContent({ topic }: { topic: HelpTopic }) {
  const { title, body } = TOPICS[topic];
  return (
    <HelpPanel header={<h2>{title}</h2>}>
      <Box variant="div">{body}</Box>
    </HelpPanel>
  );
}
