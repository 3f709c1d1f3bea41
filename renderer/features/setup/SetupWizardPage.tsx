import Wizard from '@cloudscape-design/components/wizard';
import { useEffect, useState } from 'react';
import { connectionIdFrom } from '../../../shared/model/entities';
import { routeQuery } from '../../app/route-paths';
import { useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import type { ActionResult } from '../common/action';
import { defaultProjectId } from '../connections/ProjectSelect';
import { useConnectionsStore } from '../connections/store';
import { useProjectsStore } from '../projects/store';
import { useSetupStore } from './store';
import { WIZARD_STRINGS, wizardSteps } from './wizard/steps';
import { useFreshError } from '../app/use-fresh-error';
import { defaultSettleMinutes } from '../../../shared/model/entities';
import {
  connectionOf,
  initialDraft,
  stepErrors,
  STEPS,
  targetOf,
  wizardFields,
  type Draft,
  type SetDraft,
} from './wizard/draft';

/** When the current hour ends ("15:00", UTC): the first hour a new connection exports. */
function nextHourEnd(): string {
  return new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000).toISOString().slice(11, 16);
}

/**
 * Connect a project to an S3 bucket, step by step: choose data → how the bucket grants access
 * → bucket information → the generated policies (shown, diffed, copied or applied, with
 * backups) → verify access → start hourly exports.
 *
 * This page holds the wizard's state — the draft, which step, the errors — and moves between
 * steps; the steps are listed in ./wizard/steps.tsx, each step's fields are their own component
 * (./wizard/), and what the draft means
 * (the setup target, the connection, each step's checks) is pure (./wizard/draft.ts).
 */
export function SetupWizardPage() {
  const { path, navigate } = useRouter();
  const projects = useProjectsStore((s) => s.items);
  const createConnection = useConnectionsStore((s) => s.create);
  const flash = useAppStore((s) => s.flash);
  const setup = useSetupStore();
  const [step, setStep] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [stepError, setStepError] = useFreshError();
  const [submitting, setSubmitting] = useState(false);
  // The connection's id is chosen now: the policies name it before the connection is saved.
  const [connectionId] = useState(newConnectionId);
  const [confirmed, setConfirmed] = useState(false);
  const [draft, setDraft] = useState<Draft>(() =>
    initialDraft(defaultProjectId(routeQuery(path).get('project'), projects)),
  );

  useEffect(() => {
    setup.reset();
    void setup.loadProfiles();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const set: SetDraft = (key, value) => setDraft((d) => ({ ...d, [key]: value }));
  const target = () => targetOf(draft, connectionId);
  const project = projects.find((p) => String(p.id) === draft.projectId);
  const err = (field: string) => errors[field];

  /** An action's outcome: a failure's field errors under their fields, the rest above the step. */
  const onResult = (result: ActionResult<unknown>) => {
    if (result.ok) {
      setErrors({});
      setStepError(null);
      return;
    }
    const fields = wizardFields(result.fields);
    setErrors(fields);
    setStepError(Object.keys(fields).length > 0 && !fields._ ? null : result.message);
  };

  const navigateTo = async (requested: number) => {
    if (requested > step) {
      const found = stepErrors(STEPS[step]!, draft, connectionId, project);
      setStepError(null);
      setErrors(found ?? {});
      if (found) return;
    }
    setStep(requested);
    if (STEPS[requested] === 'policy' && !setup.plan) {
      const result = await setup.loadPlan(target(), draft.form);
      if (!result.ok) onResult(result);
    }
  };

  const submit = async () => {
    setSubmitting(true);
    const account = setup.plan?.identity.account ?? setup.identity?.account;
    const result = await createConnection(connectionOf(draft, connectionId, { account, project }));
    setSubmitting(false);
    if (!result.ok) return onResult(result);
    const created = result.value;
    // The first scheduled hour is up to an hour away: say when, and offer one now.
    const settle =
      created.schedule.settleMinutes ?? defaultSettleMinutes(project?.source.type ?? 'demo');
    flash(
      'success',
      created.enabled
        ? `Connection "${created.name}" created. It exports every hour from now on: the first, the hour ending at ${nextHourEnd()} UTC, about ${settle} minutes after it ends.`
        : `Connection "${created.name}" created.`,
      { action: { text: 'Export an hour now', href: `#/connections/${created.id}?export=hour` } },
    );
    navigate(`/connections/${result.value.id}`);
  };

  return (
    <Wizard
      data-testid="setup-wizard"
      activeStepIndex={step}
      isLoadingNextStep={setup.busy === 'plan'}
      onNavigate={(e) => void navigateTo(e.detail.requestedStepIndex)}
      onCancel={() => navigate('/connections')}
      onSubmit={() => void submit()}
      allowSkipTo
      submitButtonText={draft.enable ? 'Create and start exporting' : 'Create connection'}
      i18nStrings={WIZARD_STRINGS}
      steps={wizardSteps({
        draft,
        set,
        setDraft,
        err,
        errorText: stepError ?? undefined,
        target,
        project,
        confirmed,
        onConfirmed: setConfirmed,
        onResult,
        submitting,
        resetPlan: setup.reset,
        verify: () => void setup.runVerify(target(), draft.form).then(onResult),
      })}
    />
  );
}

/** A connection ID as the engine makes them, from the browser's random bytes. */
const newConnectionId = () => connectionIdFrom(crypto.getRandomValues(new Uint8Array(8)));
