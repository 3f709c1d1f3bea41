/**
 * A migration as a Markdown runbook: what was done, when, with which outcome, every backup with
 * the document it kept, and how to undo it — something an admin can hand to a change board.
 * Pure: the service reads the backup documents and passes them in.
 */
import { utcTime } from '../../../shared/format';
import { MIGRATION_STEPS, stepNumber, type MigrationView } from '../../../shared/model/migration';
import { redactSecrets } from '../redact';

/**
 * Text shown literally, in a table cell or a sentence: a name like `<img onerror=…>` or
 * `[x](javascript:…)` is neither HTML nor a link in the runbook.
 */
const text = (value: string | null | undefined) =>
  (value ?? '').replace(/[\\`*_{}[\]()<>#+!|~&]/g, '\\$&').replace(/\r?\n/g, ' ');

/** An inline code span no backtick in the value can end. */
const code = (value: string | null | undefined) => {
  const flat = (value ?? '').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const fence = '`'.repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  return `${fence}${flat.startsWith('`') || flat.endsWith('`') ? ` ${flat} ` : flat}${fence}`;
};

/** A fenced block no line of the value can close. */
const fence = (value: string) =>
  '`'.repeat(Math.max(2, ...(value.match(/`+/g) ?? []).map((r) => r.length)) + 1);

const when = (iso: string | null) => (iso ? utcTime(iso) : '—');

const STATE_WORDS: Record<MigrationView['state'], string> = {
  'in-progress': 'in progress',
  'rolling-back': 'rolling back (not finished: retry the rollback)',
  'rolled-back': 'rolled back',
  finished: 'finished',
};

export function runbookFileName(m: Pick<MigrationView, 'id'>): string {
  return `ferry-migration-${m.id}.md`;
}

export function runbook(
  m: MigrationView,
  documents: ReadonlyMap<string, string | null>,
  generatedAt: string,
): string {
  const out: string[] = [];
  const line = (text = '') => out.push(text);
  line(`# KMS migration ${m.id}`);
  line();
  line(
    `Moves **${text(m.oldConnectionName)}** (${m.oldConnectionId}) to **${text(m.newConnectionName)}** (${m.newConnectionId}): the same project ${m.projectId} and ${code(`s3://${m.bucket}/${m.prefix}`)}, exported as the per-project IAM role \`ferry-export-${m.projectId}\` and encrypted with SSE-KMS.`,
  );
  line();
  line(`- State: **${STATE_WORDS[m.state]}**`);
  line(`- Started: ${when(m.createdAt)}; last change: ${when(m.updatedAt)}`);
  line(
    `- KMS key: ${m.keyArn ? `${code(m.keyArn)}${m.keyCreated ? ' (created by this migration)' : ' (existing)'}` : 'not chosen yet'}`,
  );
  if (m.takeOverFrom) line(`- The new connection exports from hour ${m.takeOverFrom} (UTC) on`);
  if (m.gap)
    line(
      `- **Missed hours**: ${m.gap.from} to ${m.gap.to} (${m.gap.hours} hours) are older than the catch-up window; backfill them (\`ferry backfill ${m.newConnectionId} --from ${m.gap.from} --to ${m.gap.to}\`)`,
    );
  line(`- Runbook generated: ${when(generatedAt)}`);
  line();
  line('## Checklist');
  line();
  line('| # | Step | Status | When | Outcome |');
  line('|---|------|--------|------|---------|');
  for (const step of m.steps) {
    const spec = MIGRATION_STEPS[stepNumber(step.id) - 1]!;
    const status =
      step.markedByAdmin && step.status === 'done' ? 'done (by the admin)' : step.status;
    line(
      `| ${stepNumber(step.id)} | ${text(spec.title)} | ${status}${m.current === step.id ? ' ← next' : ''} | ${when(step.at)} | ${text(step.outcome)} |`,
    );
  }
  line();
  line('### What each step does');
  line();
  for (const spec of MIGRATION_STEPS)
    line(`${stepNumber(spec.id)}. **${spec.title}.** ${spec.does}`);
  line();
  if (m.checks.length) {
    line('## Prerequisite checks');
    line();
    for (const c of m.checks) line(`- ${c.status}: ${text(c.label)} — ${text(c.detail)}`);
    line();
  }
  if (m.verify) {
    line('## Access checks as the role (step 8)');
    line();
    for (const p of m.verify) line(`- ${p.status}: ${text(p.label)} — ${text(p.detail)}`);
    line();
  }
  if (m.objects.length) {
    line('## First export, read back from S3 (step 9)');
    line();
    line('| Object | Bytes | Encryption | KMS key |');
    line('|--------|-------|------------|---------|');
    for (const o of m.objects)
      line(
        `| ${code(o.key)} | ${o.size} | ${o.serverSideEncryption ?? 'none'} | ${text(o.kmsKeyId)} |`,
      );
    line();
  }
  line('## Backups');
  line();
  if (m.backups.length === 0) line('None taken yet.');
  for (const b of m.backups) {
    line(`### ${b.id}: ${b.kind} of ${code(b.target)}`);
    line();
    line(
      `Taken ${when(b.takenAt)}, ${text(b.reason)}. Restore it alone with \`ferry backups restore ${b.id}\`.`,
    );
    line();
    const doc = documents.get(b.id);
    if (doc === null || doc === undefined)
      line(
        doc === null
          ? 'There was none: restoring removes what Ferry put there.'
          : 'The backup file could not be read.',
      );
    else {
      line(`${fence(doc)}json`);
      line(doc);
      line(fence(doc));
    }
    line();
  }
  line('## How to undo');
  line();
  if (m.state === 'finished')
    line(
      `Step 10 deleted the old connection, so the migration can no longer be rolled back as a whole. The backups above are kept; each can be restored alone.`,
    );
  else if (m.state === 'rolled-back') line('This migration was rolled back:');
  else
    line(
      `Run \`ferry migrate rollback ${m.oldConnectionId}\` (or **Roll back** in the console): it removes the new connection, restores the bucket policy and the default encryption from the step 5 backups (or removes them if there were none), undoes the export role, and enables the old connection again. Add \`--delete-key\` to schedule deletion of a key this migration created.`,
    );
  if (m.rollback.length) {
    line();
    for (const i of m.rollback) line(`- ${i.status}: ${i.label} — ${i.detail}`);
  }
  line();
  // The redaction gate for the runbook: it is a file an admin shares.
  return redactSecrets(out.join('\n'));
}
