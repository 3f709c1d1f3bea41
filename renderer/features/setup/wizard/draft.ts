import { exportRoleName } from '../../../../shared/aws/policies';
import { regionProblem } from '../../../../shared/aws/regions';
import { setupTarget, type SetupTargetInput } from '../../../../shared/model/aws';
import {
  connectionCreate,
  effectiveSse,
  type ConnectionCreate,
  type Project,
} from '../../../../shared/model/entities';
import { fieldErrors } from '../../common/action';

/** How the bucket trusts the exports: the profile's account, or a role per project. */
export type Form = 'legacy' | 'role';

/** What the admin has entered so far, as the wizard's fields hold it. */
export interface Draft {
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

/** Set one field of the draft. */
export type SetDraft = <K extends keyof Draft>(key: K, value: Draft[K]) => void;

export const STEPS = ['data', 'policy-steps', 'bucket', 'policy', 'verify', 'start'] as const;
export type StepId = (typeof STEPS)[number];

export function initialDraft(projectId: string): Draft {
  return {
    name: '',
    projectId,
    data: 'events',
    form: 'legacy',
    // Chosen from the profiles on this machine (ProfileField fills in "default" only where it
    // exists): none is assumed.
    profile: '',
    bucket: '',
    region: 'us-east-1',
    prefix: '',
    kmsKeyArn: '',
    endpoint: '',
    forcePathStyle: false,
    mfaCode: '',
    enable: true,
  };
}

/** The destination as the AWS setup calls take it (the connection may not be saved yet). */
export function targetOf(draft: Draft, connectionId: string): SetupTargetInput {
  return {
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
  };
}

/**
 * The connection the wizard creates. In the role form it exports as the project's role in the
 * account the profile belongs to (known once the identity was read).
 */
export function connectionOf(
  draft: Draft,
  connectionId: string,
  context: { account: string | undefined; project: Project | undefined },
): ConnectionCreate {
  const t = targetOf(draft, connectionId);
  const { account, project } = context;
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
}

/** What is wrong with a step's fields (null: the step may be left). */
export function stepErrors(
  step: StepId,
  draft: Draft,
  connectionId: string,
  project: Project | undefined,
): Record<string, string> | null {
  if (step === 'data') {
    const found = fieldErrors(connectionCreate.pick({ name: true, projectId: true }), {
      name: draft.name,
      projectId: draft.projectId,
    });
    if (found)
      return {
        ...found,
        ...(found.projectId && !draft.projectId
          ? { projectId: 'Choose the project to export' }
          : {}),
      };
    if (project?.kind === 'portfolio')
      return { projectId: 'Portfolio projects can not be export sources' };
  }
  if (step === 'bucket') {
    const t = targetOf(draft, connectionId);
    const region = regionProblem(t.region, t.endpoint);
    return fieldErrors(setupTarget, t) ?? (region ? { region } : null);
  }
  return null;
}

/** An action's field errors under the wizard's field names (`target.bucket` → `bucket`). */
export function wizardFields(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [
      k.replace(/^target\./, '').replace(/^destination\./, ''),
      v,
    ]),
  );
}
