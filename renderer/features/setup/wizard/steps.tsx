import type { WizardProps } from '@cloudscape-design/components/wizard';
import type { Project } from '../../../../shared/model/entities';
import type { SetupTargetInput } from '../../../../shared/model/aws';
import type { ActionResult } from '../../common/action';
import { InfoLink } from '../../help/InfoLink';
import { BucketStep } from './BucketStep';
import { DataStep } from './DataStep';
import type { Draft, SetDraft } from './draft';
import { PolicyPlanStep } from './PolicyPlanStep';
import { ReviewStep } from './ReviewStep';
import { TrustStep } from './TrustStep';
import { VerifyStep } from './VerifyStep';

/** The wizard's fixed words. */
export const WIZARD_STRINGS: WizardProps.I18nStrings = {
  stepNumberLabel: (n) => `Step ${n}`,
  collapsedStepsLabel: (n, total) => `Step ${n} of ${total}`,
  skipToButtonLabel: (s) => `Skip to ${s.title}`,
  navigationAriaLabel: 'Steps',
  cancelButton: 'Cancel',
  previousButton: 'Previous',
  nextButton: 'Next',
  optional: 'optional',
};

/** What the steps read and change: the wizard page's state. */
export interface StepsContext {
  draft: Draft;
  set: SetDraft;
  setDraft: (change: (draft: Draft) => Draft) => void;
  err: (field: string) => string | undefined;
  /** The error shown above the current step. */
  errorText: string | undefined;
  target: () => SetupTargetInput;
  project: Project | undefined;
  confirmed: boolean;
  onConfirmed: (confirmed: boolean) => void;
  onResult: (result: ActionResult<unknown>) => void;
  submitting: boolean;
  /** Forget the policy plan (the access form changed). */
  resetPlan: () => void;
  /** Run the access check. */
  verify: () => void;
}

/** The six steps, in order; each step's fields are its own component. */
export function wizardSteps(context: StepsContext): WizardProps.Step[] {
  const { draft, set, setDraft, err, errorText, target, project } = context;
  const { confirmed, onConfirmed, onResult, submitting } = context;
  const { resetPlan, verify } = context;
  return [
    {
      title: 'Choose data',
      info: <InfoLink />,
      description: 'Which project, and what to export from it.',
      errorText,
      content: <DataStep draft={draft} set={set} err={err} />,
    },
    {
      title: 'Bucket policy steps',
      info: <InfoLink />,
      description: 'What you do in AWS before Ferry can write.',
      content: (
        <TrustStep
          form={draft.form}
          onForm={(form) => {
            set('form', form);
            resetPlan();
          }}
        />
      ),
    },
    {
      title: 'S3 bucket information',
      info: <InfoLink />,
      description: 'Where the files go, and which AWS profile writes them.',
      errorText,
      content: (
        <BucketStep
          draft={draft}
          set={set}
          patch={(change) => setDraft((d) => ({ ...d, ...change }))}
          err={err}
          target={target}
          onResult={onResult}
        />
      ),
    },
    {
      title: 'Policies and encryption',
      info: <InfoLink />,
      description:
        'The bucket policy and, with a role, the role, the key policy and default encryption: exactly what exports need, shown against what is there now, applied only when you confirm.',
      isOptional: true,
      errorText,
      content: (
        <PolicyPlanStep
          draft={draft}
          project={project}
          target={target}
          confirmed={confirmed}
          onConfirmed={onConfirmed}
          onResult={onResult}
        />
      ),
    },
    {
      title: 'Verify access',
      info: <InfoLink />,
      description: 'Does what an export does, and names any missing permission.',
      isOptional: true,
      errorText,
      content: (
        <VerifyStep
          prefix={draft.prefix}
          onVerify={verify}
          onUseRegion={(region) => set('region', region)}
        />
      ),
    },
    {
      title: 'Start exporting',
      info: <InfoLink />,
      description: 'Review, and start hourly exports.',
      errorText,
      content: <ReviewStep draft={draft} set={set} project={project} submitting={submitting} />,
    },
  ];
}
