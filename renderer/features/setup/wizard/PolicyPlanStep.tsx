import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { exportRoleName } from '../../../../shared/aws/policies';
import type { SetupTargetInput } from '../../../../shared/model/aws';
import type { Project } from '../../../../shared/model/entities';
import type { ActionResult } from '../../common/action';
import { applyBlocks, PolicyBlocks } from '../PolicyStep';
import { useSetupStore } from '../store';
import type { Draft } from './draft';

/**
 * Step 4: the documents exports need, generated from what is there now, each applied on
 * request (after a backup) — or copied by the admin.
 */
export function PolicyPlanStep({
  draft,
  project,
  target,
  confirmed,
  onConfirmed,
  onResult,
}: {
  draft: Draft;
  project: Project | undefined;
  target(): SetupTargetInput;
  /** The admin accepted the plan's warnings (an empty prefix). */
  confirmed: boolean;
  onConfirmed(confirmed: boolean): void;
  onResult(result: ActionResult<unknown>): void;
}) {
  const setup = useSetupStore();
  if (!setup.plan)
    return (
      <Container>
        <SpaceBetween size="s">
          <Box variant="p">
            Ferry reads the bucket&apos;s current policy and generates the one exports need.
          </Box>
          <Button
            loading={setup.busy === 'plan'}
            onClick={() => void setup.loadPlan(target(), draft.form).then(onResult)}
            data-testid="wizard-plan"
          >
            Generate
          </Button>
        </SpaceBetween>
      </Container>
    );
  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h2">Your AWS identity</Header>}>
        {/* One column: an ARN has no place to wrap in a narrow window. */}
        <KeyValuePairs
          columns={1}
          items={[
            { label: 'Account', value: setup.plan.identity.account },
            { label: 'Identity', value: setup.plan.identity.arn },
          ]}
        />
      </Container>
      {setup.plan.warnings.length > 0 && (
        <Alert type="warning" header="Check before you apply">
          <SpaceBetween size="s">
            {setup.plan.warnings.map((w) => (
              <Box key={w}>{w}</Box>
            ))}
            <Checkbox
              checked={confirmed}
              onChange={(e) => onConfirmed(e.detail.checked)}
              data-testid="wizard-confirm-warnings"
            >
              I understand; apply with this prefix
            </Checkbox>
          </SpaceBetween>
        </Alert>
      )}
      <PolicyBlocks
        blocks={applyBlocks(setup.plan.proposals, {
          form: draft.form,
          kms: !!draft.kmsKeyArn,
          roleName: project ? exportRoleName(project.id) : '',
        })}
        busy={setup.busy}
        onApply={(step) => setup.apply(target(), draft.form, step, confirmed)}
      />
    </SpaceBetween>
  );
}
