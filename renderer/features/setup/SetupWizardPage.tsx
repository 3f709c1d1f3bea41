import Alert from '@cloudscape-design/components/alert';
import Autosuggest from '@cloudscape-design/components/autosuggest';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Tiles from '@cloudscape-design/components/tiles';
import Toggle from '@cloudscape-design/components/toggle';
import Wizard from '@cloudscape-design/components/wizard';
import { useEffect, useState } from 'react';
import { exportRoleName } from '../../../shared/aws/policies';
import { describeDestination } from '../../../shared/model/describe';
import {
  connectionCreate,
  connectionIdFrom,
  effectiveSse,
  type ConnectionCreate,
} from '../../../shared/model/entities';
import { setupTarget, type SetupTargetInput } from '../../../shared/model/aws';
import { routeQuery, useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import { regionProblem } from '../../../shared/aws/regions';
import { fieldErrors } from '../common/action';
import { PROBE_LOOK } from '../common/status-look';
import { profileOptions } from './ProfileField';
import { defaultProjectId, ProjectSelect } from '../connections/ProjectSelect';
import { S3LocationFields } from '../connections/S3LocationFields';
import { useConnectionsStore } from '../connections/store';
import { useProjectsStore } from '../projects/store';
import { applyBlocks, PolicyBlocks } from './PolicyStep';
import { InfoLink } from '../help/InfoLink';
import { useSetupStore } from './store';

type Form = 'legacy' | 'role';

interface Draft {
  name: string;
  projectId: string;
  data: 'events' | 'merged-ids' | 'both';
  form: Form;
  profile: string;
  bucket: string;
  region: string;
  prefix: string;
  kmsKeyArn: string;
  endpoint: string;
  forcePathStyle: boolean;
  mfaCode: string;
  enable: boolean;
}

const STEPS = ['data', 'policy-steps', 'bucket', 'policy', 'verify', 'start'] as const;

/**
 * Connect a project to an S3 bucket, step by step: choose data → how the bucket grants access
 * → bucket information → the generated policies (shown, diffed, copied or applied, with
 * backups) → verify access → start hourly exports.
 */
export function SetupWizardPage() {
  const { path, navigate } = useRouter();
  const projects = useProjectsStore((s) => s.items);
  const createConnection = useConnectionsStore((s) => s.create);
  const flash = useAppStore((s) => s.flash);
  const setup = useSetupStore();
  const [step, setStep] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [stepError, setStepError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  // The connection's id is chosen now: the policies name it before the connection is saved.
  const [connectionId] = useState(newConnectionId);
  const [confirmed, setConfirmed] = useState(false);
  const [draft, setDraft] = useState<Draft>(() => ({
    name: '',
    projectId: defaultProjectId(routeQuery(path).get('project'), projects),
    data: 'events',
    form: 'legacy',
    profile: 'default',
    bucket: '',
    region: 'us-east-1',
    prefix: '',
    kmsKeyArn: '',
    endpoint: '',
    forcePathStyle: false,
    mfaCode: '',
    enable: true,
  }));

  useEffect(() => {
    setup.reset();
    void setup.loadProfiles();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const target = (): SetupTargetInput => ({
    connectionId,
    profile: draft.profile,
    region: draft.region,
    endpoint: draft.endpoint || null,
    forcePathStyle: draft.forcePathStyle,
    bucket: draft.bucket,
    prefix: draft.prefix,
    projectId: draft.projectId,
    kmsKeyArn: draft.kmsKeyArn || null,
    sse: effectiveSse(draft.kmsKeyArn, 'bucket-default'),
    mfaCode: draft.mfaCode || undefined,
  });
  const project = projects.find((p) => String(p.id) === draft.projectId);
  const connectionInput = (): ConnectionCreate => {
    const t = target();
    const account = setup.plan?.identity.account ?? setup.identity?.account;
    return {
      id: connectionId,
      name: draft.name,
      projectId: draft.projectId,
      destination: {
        type: 's3',
        bucket: t.bucket,
        region: t.region,
        prefix: t.prefix,
        profile: t.profile,
        kmsKeyArn: t.kmsKeyArn,
        endpoint: t.endpoint,
        forcePathStyle: t.forcePathStyle,
        sse: t.sse,
        roleArn:
          draft.form === 'role' && account && project
            ? `arn:aws:iam::${account}:role/${exportRoleName(project.id)}`
            : null,
      },
      datasets: draft.data === 'both' ? ['events', 'merged-ids'] : [draft.data],
      enabled: draft.enable,
    };
  };

  /** An action's failure: put field errors under their fields, the rest above the step. */
  const showFailure = (result: { ok: false; message: string; fields: Record<string, string> }) => {
    const fields = Object.fromEntries(
      Object.entries(result.fields).map(([k, v]) => [
        k.replace(/^target\./, '').replace(/^destination\./, ''),
        v,
      ]),
    );
    setErrors(fields);
    setStepError(Object.keys(fields).length > 0 && !fields._ ? null : result.message);
  };

  /** Check the step's fields before moving on; a bad value stays on the step with its message. */
  const validate = (index: number): boolean => {
    setStepError(null);
    const step = STEPS[index];
    if (step === 'data') {
      const found = fieldErrors(connectionCreate.pick({ name: true, projectId: true }), {
        name: draft.name,
        projectId: draft.projectId,
      });
      if (found)
        return (
          setErrors({
            ...found,
            ...(found.projectId && !draft.projectId
              ? { projectId: 'Choose the project to export' }
              : {}),
          }),
          false
        );
      if (project?.kind === 'portfolio')
        return (setErrors({ projectId: 'Portfolio projects can not be export sources' }), false);
    }
    if (step === 'bucket') {
      const t = target();
      const region = regionProblem(t.region, t.endpoint);
      const found = fieldErrors(setupTarget, t) ?? (region ? { region } : null);
      if (found) return (setErrors(found), false);
    }
    setErrors({});
    return true;
  };

  const navigateTo = async (requested: number) => {
    if (requested > step && !validate(step)) return;
    setStep(requested);
    if (STEPS[requested] === 'policy' && !setup.plan) {
      const result = await setup.loadPlan(target(), draft.form);
      if (!result.ok) showFailure(result);
    }
  };

  const submit = async () => {
    setSubmitting(true);
    const result = await createConnection(connectionInput());
    setSubmitting(false);
    if (!result.ok) return showFailure(result);
    flash(
      'success',
      `Connection "${result.value.name}" created${result.value.enabled ? ' — it exports every hour from now on' : ''}.`,
    );
    navigate(`/connections/${result.value.id}`);
  };

  const err = (field: string) => errors[field];

  const verifyNow = async () => {
    const result = await setup.runVerify(target(), draft.form);
    if (!result.ok) showFailure(result);
    else setStepError(null);
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
      i18nStrings={{
        stepNumberLabel: (n) => `Step ${n}`,
        collapsedStepsLabel: (n, total) => `Step ${n} of ${total}`,
        skipToButtonLabel: (s) => `Skip to ${s.title}`,
        navigationAriaLabel: 'Steps',
        cancelButton: 'Cancel',
        previousButton: 'Previous',
        nextButton: 'Next',
        optional: 'optional',
      }}
      steps={[
        {
          title: 'Choose data',
          info: <InfoLink />,
          description: 'Which project, and what to export from it.',
          errorText: stepError ?? undefined,
          content: (
            <Container header={<Header variant="h2">Data</Header>}>
              <SpaceBetween size="m">
                <FormField
                  label="Connection name"
                  description="A short name you will recognise, also used by the CLI."
                  errorText={err('name')}
                >
                  <Input
                    value={draft.name}
                    onChange={(e) => set('name', e.detail.value)}
                    placeholder="prod-events"
                    data-testid="wizard-name"
                  />
                </FormField>
                <FormField label="Project" errorText={err('projectId')}>
                  <ProjectSelect
                    value={draft.projectId}
                    onChange={(projectId) => set('projectId', projectId)}
                    testId="wizard-project"
                  />
                </FormField>
                <FormField label="Export">
                  <Tiles
                    value={draft.data}
                    onChange={(e) => set('data', e.detail.value as Draft['data'])}
                    items={[
                      {
                        value: 'events',
                        label: 'Events',
                        description: 'Events ingested from now on, hour by hour.',
                      },
                      {
                        value: 'merged-ids',
                        label: 'Merged Amplitude IDs',
                        description: 'Which user IDs were merged, hour by hour.',
                      },
                      {
                        value: 'both',
                        label: 'Both',
                        description: 'Events and merged IDs, to the same bucket.',
                      },
                    ]}
                  />
                </FormField>
              </SpaceBetween>
            </Container>
          ),
        },
        {
          title: 'Bucket policy steps',
          info: <InfoLink />,
          description: 'What you do in AWS before Ferry can write.',
          content: (
            <Container header={<Header variant="h2">Before you start</Header>}>
              <SpaceBetween size="m">
                <Box variant="p">
                  <b>1. Create the bucket</b> in the S3 console (any region), or use one you have.
                  Keep &quot;Block all public access&quot; on — Ferry never needs public access.
                </Box>
                <Box variant="p">
                  <b>2. Let Ferry write to it.</b> Ferry writes with an AWS profile on this
                  computer. In a later step it generates the exact bucket policy, shows it next to
                  the bucket&apos;s current policy, and applies it for you (backing up the old one)
                  — or you copy it into the console yourself.
                </Box>
                <FormField
                  label="How the bucket trusts the exports"
                  description="You can move to the role form later: on the connection's page, Move to KMS and a per-project role… (the KMS migration)."
                >
                  <Tiles
                    value={draft.form}
                    onChange={(e) => {
                      set('form', e.detail.value as Form);
                      setup.reset();
                    }}
                    items={[
                      {
                        value: 'legacy',
                        label: 'Your AWS account',
                        description: 'The bucket trusts the account of your profile; simplest.',
                      },
                      {
                        value: 'role',
                        label: 'A role per project',
                        description: `Exports assume ferry-export-<project>, which only Ferry's exports use.`,
                      },
                    ]}
                  />
                </FormField>
              </SpaceBetween>
            </Container>
          ),
        },
        {
          title: 'S3 bucket information',
          info: <InfoLink />,
          description: 'Where the files go, and which AWS profile writes them.',
          errorText: stepError ?? undefined,
          content: (
            <Container header={<Header variant="h2">Bucket</Header>}>
              <SpaceBetween size="m">
                {setup.profiles?.warnings.map((w) => (
                  <Alert key={w} type="warning">
                    {w}
                  </Alert>
                ))}
                <FormField
                  label="AWS profile"
                  description={`From ${setup.profiles?.files.config ?? '~/.aws/config'}. Ferry never stores AWS keys.`}
                  errorText={err('profile')}
                  secondaryControl={
                    <Button
                      loading={setup.busy === 'identity'}
                      onClick={() =>
                        void setup
                          .checkIdentity(target())
                          .then((r) => (r.ok ? setErrors({}) : showFailure(r)))
                      }
                      data-testid="wizard-check-profile"
                    >
                      Check
                    </Button>
                  }
                >
                  <Autosuggest
                    data-testid="wizard-profile"
                    value={draft.profile}
                    options={profileOptions(setup.profiles)}
                    onChange={(e) => set('profile', e.detail.value)}
                    enteredTextLabel={(v) => `Use "${v}"`}
                    empty="No profiles found — create one with aws configure"
                  />
                </FormField>
                {setup.identity && (
                  <StatusIndicator type="success">
                    {draft.profile} is {setup.identity.arn}
                  </StatusIndicator>
                )}
                {(errors.mfaCode || draft.mfaCode) && (
                  <FormField
                    label="MFA code"
                    description="From the MFA device of this profile."
                    errorText={err('mfaCode')}
                  >
                    <Input
                      value={draft.mfaCode}
                      onChange={(e) => set('mfaCode', e.detail.value)}
                      inputMode="numeric"
                    />
                  </FormField>
                )}
                <S3LocationFields
                  value={draft}
                  onChange={(patch) => setDraft((d) => ({ ...d, ...patch }))}
                  errorText={(field) => err(field)}
                  testIdPrefix="wizard"
                  regionControl={
                    <Button
                      loading={setup.busy === 'region'}
                      disabled={!draft.bucket}
                      onClick={() =>
                        void setup.detectRegion(target()).then((r) => {
                          if (r.ok) set('region', r.value);
                          else showFailure(r);
                        })
                      }
                    >
                      Detect
                    </Button>
                  }
                />
              </SpaceBetween>
            </Container>
          ),
        },
        {
          title: 'Generate bucket policy',
          info: <InfoLink />,
          description: 'Exactly what exports need; shown against what is there now.',
          isOptional: true,
          errorText: stepError ?? undefined,
          content: (
            <SpaceBetween size="l">
              {!setup.plan && (
                <Container>
                  <SpaceBetween size="s">
                    <Box variant="p">
                      Ferry reads the bucket&apos;s current policy and generates the one exports
                      need.
                    </Box>
                    <Button
                      loading={setup.busy === 'plan'}
                      onClick={() =>
                        void setup
                          .loadPlan(target(), draft.form)
                          .then((r) => !r.ok && showFailure(r))
                      }
                      data-testid="wizard-plan"
                    >
                      Generate
                    </Button>
                  </SpaceBetween>
                </Container>
              )}
              {setup.plan && (
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
                          onChange={(e) => setConfirmed(e.detail.checked)}
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
              )}
            </SpaceBetween>
          ),
        },
        {
          title: 'Verify access',
          info: <InfoLink />,
          description: 'Does what an export does, and names any missing permission.',
          isOptional: true,
          errorText: stepError ?? undefined,
          content: (
            <Container
              header={
                <Header
                  variant="h2"
                  actions={
                    <Button
                      loading={setup.busy === 'verify'}
                      onClick={() => void verifyNow()}
                      data-testid="wizard-verify"
                    >
                      {setup.verify ? 'Verify again' : 'Verify access'}
                    </Button>
                  }
                >
                  Access checks
                </Header>
              }
            >
              {!setup.verify ? (
                <Box variant="p">
                  Writes, lists and deletes a few small test objects under{' '}
                  {draft.prefix || 'the bucket root'}_ferry-verify/.
                </Box>
              ) : (
                <SpaceBetween size="m" data-testid="verify-results">
                  <StatusIndicator type={setup.verify.ok ? 'success' : 'error'}>
                    {setup.verify.ok ? 'Access works' : 'Access is not complete yet'}
                  </StatusIndicator>
                  {setup.verify.probes.map((p) => (
                    <SpaceBetween key={p.id} size="xxs">
                      <StatusIndicator type={PROBE_LOOK[p.status]}>
                        <span data-testid={`probe-${p.id}`}>
                          {p.label}: {p.detail}
                        </span>
                      </StatusIndicator>
                      {p.fix && (
                        <Box variant="small" padding={{ left: 'l' }}>
                          {p.fix}{' '}
                          {p.id === 'location' && setup.verify?.bucketRegion && (
                            <Link onFollow={() => set('region', setup.verify!.bucketRegion!)}>
                              Use {setup.verify.bucketRegion}
                            </Link>
                          )}
                        </Box>
                      )}
                      {p.statement && (
                        <pre style={{ margin: '0 0 0 20px', fontSize: 12 }}>
                          {JSON.stringify(p.statement, null, 2)}
                        </pre>
                      )}
                    </SpaceBetween>
                  ))}
                </SpaceBetween>
              )}
            </Container>
          ),
        },
        {
          title: 'Start exporting',
          info: <InfoLink />,
          description: 'Review, and start hourly exports.',
          errorText: stepError ?? undefined,
          content: (
            <Container header={<Header variant="h2">Review</Header>}>
              <SpaceBetween size="m">
                <KeyValuePairs
                  columns={2}
                  items={[
                    { label: 'Connection', value: draft.name },
                    { label: 'Project', value: project ? `${project.name} (${project.id})` : '—' },
                    {
                      label: 'Destination',
                      value: describeDestination({
                        type: 's3',
                        bucket: draft.bucket,
                        prefix:
                          draft.prefix && !draft.prefix.endsWith('/')
                            ? `${draft.prefix}/`
                            : draft.prefix,
                      } as never),
                    },
                    {
                      label: 'AWS profile',
                      value: `${draft.profile}${draft.form === 'role' ? ' → export role' : ''}`,
                    },
                    {
                      label: 'Access',
                      value: setup.verify ? (
                        <StatusIndicator type={setup.verify.ok ? 'success' : 'error'}>
                          {setup.verify.ok ? 'Verified' : 'Checks failed'}
                        </StatusIndicator>
                      ) : (
                        <StatusIndicator type="warning">Not verified</StatusIndicator>
                      ),
                    },
                  ]}
                />
                <Toggle
                  checked={draft.enable}
                  onChange={(e) => set('enable', e.detail.checked)}
                  data-testid="wizard-enable"
                >
                  Start hourly exports immediately
                </Toggle>
                {submitting && <StatusIndicator type="loading">Creating…</StatusIndicator>}
              </SpaceBetween>
            </Container>
          ),
        },
      ]}
    />
  );
}

/** A connection ID as the engine makes them, from the browser's random bytes. */
const newConnectionId = () => connectionIdFrom(crypto.getRandomValues(new Uint8Array(8)));
