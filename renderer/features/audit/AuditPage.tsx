import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { useEffect } from 'react';
import { WholeWords } from '../../components/Breakable';
import {
  AUDIT_OUTCOMES,
  auditActionWords,
  auditOutcome,
  AUDIT_OUTCOME_WORDS,
  auditOutcomeWords,
  auditTargetHref,
  type AuditEntry,
  type AuditOutcome,
} from '../../../shared/model/audit';
import { routeQuery, withQuery } from '../../app/route-paths';
import { useRouter } from '../../app/router';
import { fire } from '../common/action';
import { AUDIT_LOOK } from '../common/status-look';
import { formatTime, otherZone } from '../common/time';
import { InfoLink } from '../help/InfoLink';
import { useAuditStore, type AuditFilter } from './store';

const ANYONE = { value: '', label: 'Everyone' };
const ANY_OUTCOME = { value: '', label: 'Any outcome' };

/** The filter the address names (`#/audit?who=alice&outcome=refused`): a link, a bookmark. */
function filterOf(path: string): AuditFilter {
  const query = routeQuery(path);
  const outcome = query.get('outcome');
  return {
    who: query.get('who') || null,
    outcome: (AUDIT_OUTCOMES as readonly string[]).includes(outcome ?? '')
      ? (outcome as AuditOutcome)
      : null,
  };
}

/** Team mode: who changed what through the console or the API, newest first. */
export function AuditPage() {
  const { entries, next, people, loaded, loadingMore, error, load, more } = useAuditStore();
  const { path, navigate } = useRouter();
  const { who, outcome } = filterOf(path);
  useEffect(() => {
    void load({ who, outcome });
  }, [load, who, outcome]);
  const filtered = who !== null || outcome !== null;

  const personOptions: SelectProps.Option[] = [
    ANYONE,
    ...[...new Set([...people, 'the serve token', ...(who ? [who] : [])])].map((name) => ({
      value: name,
      label: name,
    })),
  ];
  const outcomeOptions: SelectProps.Option[] = [
    ANY_OUTCOME,
    ...AUDIT_OUTCOMES.map((o) => ({ value: o, label: AUDIT_OUTCOME_WORDS[o] })),
  ];
  const pick = (key: 'who' | 'outcome', value: string) =>
    navigate(withQuery(path, key, value || null));

  return (
    <Table
      data-testid="audit-table"
      variant="full-page"
      stickyHeader
      loading={!loaded}
      loadingText="Reading the audit log"
      trackBy="seq"
      header={
        <Header
          variant="awsui-h1-sticky"
          info={<InfoLink />}
          description="Every change asked of this team’s Ferry — through the console, the API or a remote CLI — with who asked, on what, and how it ended. Reads are not logged. Kept in PostgreSQL."
          actions={
            <Button
              iconName="refresh"
              ariaLabel="Refresh the audit log"
              onClick={fire(() => load({ who, outcome }))}
            />
          }
        >
          Audit log
        </Header>
      }
      filter={
        // Nothing to filter where there is no log (a laptop), only the reason.
        !(error && entries.length === 0) && (
          <SpaceBetween direction="horizontal" size="xs" alignItems="center">
            <Select
              data-testid="audit-who"
              inlineLabelText="Who"
              selectedOption={personOptions.find((o) => o.value === (who ?? '')) ?? ANYONE}
              options={personOptions}
              onChange={(e) => pick('who', e.detail.selectedOption.value ?? '')}
            />
            <Select
              data-testid="audit-outcome"
              inlineLabelText="Outcome"
              selectedOption={
                outcomeOptions.find((o) => o.value === (outcome ?? '')) ?? ANY_OUTCOME
              }
              options={outcomeOptions}
              onChange={(e) => pick('outcome', e.detail.selectedOption.value ?? '')}
            />
            {filtered && (
              <Button variant="link" onClick={() => navigate(path.split('?')[0]!)}>
                Clear filters
              </Button>
            )}
          </SpaceBetween>
        )
      }
      items={entries}
      empty={
        error ? (
          <Box textAlign="center" color="inherit">
            <b>No audit log here</b>
            <Box variant="p" color="inherit">
              {error}
            </Box>
          </Box>
        ) : (
          <Box textAlign="center" color="inherit">
            <b>{filtered ? 'No entries match' : 'Nothing changed yet'}</b>
            <Box variant="p" color="inherit">
              {filtered
                ? 'No change asked of Ferry matches these filters.'
                : 'Each change asked through the console or the API will be listed here.'}
            </Box>
          </Box>
        )
      }
      footer={
        next !== null && (
          <Box textAlign="center">
            <Button loading={loadingMore} onClick={fire(more)}>
              Show older entries
            </Button>
          </Box>
        )
      }
      wrapLines
      columnDefinitions={AUDIT_COLUMNS}
    />
  );
}

const AUDIT_COLUMNS: TableProps.ColumnDefinition<AuditEntry>[] = [
  {
    id: 'at',
    header: 'Time',
    // To the second, and in the other zone, on hover: the order of the rows is the log's own.
    cell: (e) => <span title={`${e.at} · ${otherZone(e.at)}`}>{formatTime(e.at)}</span>,
    width: 180,
  },
  { id: 'who', header: 'Who', cell: (e) => e.who, width: 200 },
  {
    id: 'action',
    header: 'Action',
    cell: (e) => (
      <>
        {auditActionWords(e.method)}
        <Box variant="small" display="block" color="text-body-secondary">
          {e.method}
        </Box>
      </>
    ),
  },
  {
    id: 'target',
    header: 'Record',
    cell: (e) => {
      const href = auditTargetHref(e);
      return href ? <Link href={href}>{e.target}</Link> : (e.target ?? '—');
    },
  },
  {
    id: 'outcome',
    header: 'Outcome',
    cell: (e) => (
      <StatusIndicator type={AUDIT_LOOK[auditOutcome(e.result)]}>
        <WholeWords text={auditOutcomeWords(e.result)} />
      </StatusIndicator>
    ),
    width: 230,
  },
];
