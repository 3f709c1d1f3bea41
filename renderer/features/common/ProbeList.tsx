import Box from '@cloudscape-design/components/box';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import type { ReactNode } from 'react';
import type { Probe } from '../../../shared/model/aws';
import { Breakable } from '../../components/Breakable';
import { placeStatements, type StatementPlace } from './probe-statements';
import { PROBE_LOOK } from './status-look';

/**
 * The probes of a destination check (`aws.verify`, `connections.verifyFolder`), one per line: its
 * status, its words, the fix under it, and the policy statement that grants what it missed. One
 * list for the setup wizard, the "Enable" check, "Check access…" and "Check folder…", so a probe
 * reads the same wherever it is shown.
 */
export function ProbeList({
  probes,
  testIdPrefix,
  extra,
}: {
  probes: readonly Probe[];
  /** Each probe's words carry `data-testid="<prefix><probe id>"`. */
  testIdPrefix: string;
  /** Anything a caller shows under a probe's fix (the wizard's "Use <region>"). */
  extra?: (probe: Probe) => ReactNode;
}) {
  const places = placeStatements(probes);
  const statementOf = (place: StatementPlace) =>
    place === null ? null : 'show' in place ? (
      <pre style={{ margin: '0 0 0 20px', fontSize: 12 }}>{place.show}</pre>
    ) : (
      <Box variant="small" padding={{ left: 'l' }}>
        The statement shown for “{place.sameAs}” above grants it.
      </Box>
    );
  return (
    <SpaceBetween size="s">
      {probes.map((p, i) => (
        <SpaceBetween key={p.id} size="xxs">
          <StatusIndicator type={PROBE_LOOK[p.status]}>
            {/* Status text breaks anywhere by default: a path or ARN here breaks at / and : only. */}
            <span
              data-testid={`${testIdPrefix}${p.id}`}
              style={{ wordBreak: 'normal', overflowWrap: 'normal' }}
            >
              {p.label}: <Breakable text={p.detail} />
            </span>
          </StatusIndicator>
          {p.fix && (
            <Box variant="small" padding={{ left: 'l' }}>
              {p.fix}
            </Box>
          )}
          {extra?.(p)}
          {statementOf(places[i]!)}
        </SpaceBetween>
      ))}
    </SpaceBetween>
  );
}
