import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import { formatDocument } from '../../../shared/aws/policies';
import type { ApplyStep, Proposal } from '../../../shared/model/aws';
import { BACKUP_KIND_WORDS } from '../../../shared/model/words';
import { ConfirmAction } from '../../components/Confirm';
import type { ActionResult } from '../common/action';
import { PolicyView } from './PolicyView';

/** One thing the wizard applies: a title, why, and the documents it writes. */
export interface ApplyBlockSpec {
  step: ApplyStep;
  title: string;
  description: string;
  proposals: Proposal[];
}

type Outcome = { type: 'success' | 'error'; text: string };
type ApplyResult = ActionResult<{ backups: { id: string }[] }>;

/** The blocks a form needs, in the order they must be applied: role, bucket, key, encryption. */
export function applyBlocks(
  proposals: Proposal[],
  options: { form: 'legacy' | 'role'; kms: boolean; roleName: string },
): ApplyBlockSpec[] {
  const of = (...kinds: Proposal['kind'][]) => proposals.filter((p) => kinds.includes(p.kind));
  const blocks: ApplyBlockSpec[] = [];
  if (options.form === 'role')
    blocks.push({
      step: 'role',
      title: `Export role ${options.roleName}`,
      description: 'Created in your account; your identity may assume it, and it may only export.',
      proposals: of('role-trust', 'role-policy'),
    });
  blocks.push({
    step: 'bucket-policy',
    title: 'Bucket policy',
    description: "Merged into the bucket's policy: its other statements stay.",
    proposals: of('bucket-policy'),
  });
  if (options.kms && options.form === 'role')
    blocks.push({
      step: 'key-policy',
      title: 'KMS key policy',
      description: 'Lets the export role use the key for exactly what exports do.',
      proposals: of('key-policy'),
    });
  if (options.kms)
    blocks.push({
      step: 'bucket-encryption',
      title: 'Bucket default encryption',
      description: 'SSE-KMS with this key and S3 Bucket Keys on.',
      proposals: of('bucket-encryption'),
    });
  return blocks;
}

/** Nothing to change: every document is already there as proposed. */
function upToDate(block: ApplyBlockSpec): boolean {
  return block.proposals.every(
    (p) => p.current !== null && formatDocument(p.current) === formatDocument(p.proposed),
  );
}

/** "the bucket policy of s3://acme" — each document a block writes, for confirmations. */
function resources(block: ApplyBlockSpec): string {
  return block.proposals
    .map((p) => `the ${BACKUP_KIND_WORDS[p.kind].toLowerCase()} of ${p.target}`)
    .join(' and ');
}

/** What Ferry keeps before it writes: a backup of each document (or a note that there was none). */
function backupSentence(block: ApplyBlockSpec): string {
  return block.proposals
    .map((p) =>
      p.current === null
        ? `There is no ${BACKUP_KIND_WORDS[p.kind].toLowerCase()} on ${p.target} yet: Ferry records that, so a restore removes it again.`
        : `Ferry backs up the current ${BACKUP_KIND_WORDS[p.kind].toLowerCase()} of ${p.target} first; you can compare and restore it under Policy backups.`,
    )
    .join(' ');
}

const appliedText = (r: { backups: { id: string }[] }) =>
  `Applied. What it replaced is backed up (${r.backups.map((b) => b.id).join(', ')}).`;

/**
 * The wizard's apply step: each block with its documents, an Apply that asks first (naming the
 * resource and the backup it takes), and one "Apply all in order" with each step's result.
 */
export function PolicyBlocks({
  blocks,
  busy,
  onApply,
}: {
  blocks: ApplyBlockSpec[];
  busy: string | null;
  onApply(step: ApplyStep): Promise<ApplyResult>;
}) {
  const [outcomes, setOutcomes] = useState<Partial<Record<ApplyStep, Outcome>>>({});
  const [asking, setAsking] = useState<ApplyBlockSpec | 'all' | null>(null);
  const pending = blocks.filter((b) => !upToDate(b));
  const many = blocks.length > 1;

  const applyOne = async (block: ApplyBlockSpec): Promise<ApplyResult> => {
    const r = await onApply(block.step);
    setOutcomes((o) => ({
      ...o,
      [block.step]: r.ok
        ? { type: 'success', text: appliedText(r.value) }
        : { type: 'error', text: r.message },
    }));
    return r;
  };
  /** Each pending block in order; the first failure stops the rest (a later one needs it). */
  const applyAll = async (): Promise<ApplyResult> => {
    const backups: { id: string }[] = [];
    for (const block of pending) {
      const r = await applyOne(block);
      if (!r.ok) return r;
      backups.push(...r.value.backups);
    }
    return { ok: true, value: { backups } };
  };

  return (
    <SpaceBetween size="l">
      {many && (
        <ApplyOrder
          blocks={blocks}
          outcomes={outcomes}
          busy={busy}
          canApply={pending.length > 0 && busy === null}
          onApplyAll={() => setAsking('all')}
        />
      )}
      {blocks.map((block, index) => (
        <ApplyBlock
          key={block.step}
          block={block}
          heading={many ? `${index + 1}. ${block.title}` : block.title}
          expanded={!many}
          busy={busy === `apply:${block.step}`}
          outcome={outcomes[block.step]}
          onAsk={() => setAsking(block)}
        />
      ))}
      {asking && (
        <ConfirmAction
          visible
          size="large"
          title={
            asking === 'all'
              ? `Apply ${pending.length} changes in order?`
              : `Apply ${asking.title.toLowerCase()}?`
          }
          action={asking === 'all' ? 'Apply all' : 'Apply'}
          testId="confirm-apply"
          onCancel={() => setAsking(null)}
          onConfirm={async () => {
            const r = asking === 'all' ? await applyAll() : await applyOne(asking);
            if (r.ok) setAsking(null);
            return r;
          }}
        >
          <ApplyQuestion asking={asking} pending={pending} />
        </ConfirmAction>
      )}
    </SpaceBetween>
  );
}

/** The changes in the order they must be applied, each with how it stands, and Apply all. */
function ApplyOrder({
  blocks,
  outcomes,
  busy,
  canApply,
  onApplyAll,
}: {
  blocks: ApplyBlockSpec[];
  outcomes: Partial<Record<ApplyStep, Outcome>>;
  busy: string | null;
  canApply: boolean;
  onApplyAll(): void;
}) {
  return (
    <Container
      header={
        <Header
          variant="h2"
          description="Each step needs the one before it: the bucket policy names the role, the key policy lets it encrypt."
          actions={
            <Button
              variant="primary"
              disabled={!canApply}
              onClick={onApplyAll}
              data-testid="apply-all"
            >
              Apply all in order
            </Button>
          }
        >
          {blocks.length} changes, in this order
        </Header>
      }
    >
      <ol style={{ margin: 0, paddingInlineStart: 20 }} data-testid="apply-order">
        {blocks.map((b) => (
          <li key={b.step}>
            <StepState block={b} outcome={outcomes[b.step]} running={busy === `apply:${b.step}`} />
          </li>
        ))}
      </ol>
    </Container>
  );
}

/** What an Apply asks first: the resources it changes and the backup it takes. */
function ApplyQuestion({
  asking,
  pending,
}: {
  asking: ApplyBlockSpec | 'all';
  pending: ApplyBlockSpec[];
}) {
  if (asking === 'all')
    return (
      <ol style={{ margin: 0, paddingInlineStart: 20 }}>
        {pending.map((b) => (
          <li key={b.step}>
            <Box variant="p">
              <strong>{b.title}</strong>: changes {resources(b)}. {backupSentence(b)}
            </Box>
          </li>
        ))}
      </ol>
    );
  return (
    <SpaceBetween size="s">
      <Box variant="p">
        This changes {resources(asking)} in AWS. {backupSentence(asking)}
      </Box>
      {asking.proposals.map((p) => (
        <PolicyView key={p.kind} proposal={p} />
      ))}
    </SpaceBetween>
  );
}

function StepState({
  block,
  outcome,
  running,
}: {
  block: ApplyBlockSpec;
  outcome: Outcome | undefined;
  running: boolean;
}) {
  if (running)
    return <StatusIndicator type="in-progress">{block.title}: applying…</StatusIndicator>;
  if (outcome?.type === 'error')
    return (
      <StatusIndicator type="error">
        {block.title}: {outcome.text}
      </StatusIndicator>
    );
  if (upToDate(block))
    return <StatusIndicator type="success">{block.title}: applied</StatusIndicator>;
  return <StatusIndicator type="pending">{block.title}: not applied yet</StatusIndicator>;
}

function ApplyBlock({
  block,
  heading,
  expanded,
  busy,
  outcome,
  onAsk,
}: {
  block: ApplyBlockSpec;
  heading: string;
  expanded: boolean;
  busy: boolean;
  outcome: Outcome | undefined;
  onAsk(): void;
}) {
  const done = upToDate(block);
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={block.description}
          actions={
            <Button
              loading={busy}
              disabled={done}
              data-testid={`apply-${block.step}`}
              ariaLabel={done ? `${block.title}: applied` : `Apply ${block.title}`}
              onClick={onAsk}
            >
              {done ? 'Applied' : 'Apply'}
            </Button>
          }
        >
          {heading}
        </Header>
      }
    >
      <SpaceBetween size="m">
        {outcome && <Alert type={outcome.type}>{outcome.text}</Alert>}
        <ExpandableSection
          headerText={
            done ? 'Documents (as applied)' : 'Documents (changes against what is there now)'
          }
          defaultExpanded={expanded}
        >
          <SpaceBetween size="m">
            {block.proposals.map((p) => (
              <SpaceBetween key={p.kind} size="xs">
                <Box variant="awsui-key-label">
                  {BACKUP_KIND_WORDS[p.kind]} — {p.target}
                </Box>
                <PolicyView proposal={p} />
              </SpaceBetween>
            ))}
          </SpaceBetween>
        </ExpandableSection>
      </SpaceBetween>
    </Container>
  );
}
