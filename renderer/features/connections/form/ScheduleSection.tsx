import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { SectionProps } from './draft';

/** When an hour is exported, how far back missed hours are caught up, and how often refused access is retried. */
export function ScheduleSection({
  draft,
  set,
  err,
  expanded,
  onExpand,
}: SectionProps & { expanded: boolean; onExpand(expanded: boolean): void }) {
  return (
    <Container header={<Header variant="h2">Schedule</Header>}>
      <ExpandableSection
        headerText="Settle delay, catch-up window, retries"
        expanded={expanded}
        onChange={(e) => onExpand(e.detail.expanded)}
      >
        <SpaceBetween size="m">
          <FormField
            label="Settle delay (minutes after the hour)"
            description="Late events arrive after an hour ends. Empty uses the source's default: 120 min for Amplitude (its Export API has data about 2 h after upload), 10 for files, 0 for the demo."
            errorText={err('schedule.settleMinutes')}
          >
            <Input
              type="number"
              value={draft.settleMinutes}
              placeholder="Source default"
              onChange={(e) => set('settleMinutes', e.detail.value)}
              data-testid="connection-settle"
            />
          </FormField>
          <FormField
            label="Catch-up window (hours)"
            description="After sleep, a restart or a disabled spell, missed hours this recent are exported by themselves; older ones are listed as a gap to backfill."
            errorText={err('schedule.lookbackHours')}
          >
            <Input
              type="number"
              value={draft.lookbackHours}
              onChange={(e) => set('lookbackHours', e.detail.value)}
            />
          </FormField>
          <FormField
            label="Tries when AWS refuses access"
            description="Spread over about an hour, in case a policy is being fixed. Then the connection stops and Ferry notifies its creator and the organization's admin."
            errorText={err('schedule.accessTries')}
          >
            <Input
              type="number"
              value={draft.accessTries}
              onChange={(e) => set('accessTries', e.detail.value)}
            />
          </FormField>
        </SpaceBetween>
      </ExpandableSection>
    </Container>
  );
}
