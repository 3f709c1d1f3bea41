import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { FerryError } from '../../../shared/api/errors';
import type { AwsProfile } from '../../../shared/model/aws';
import { credentialsSdk } from './sdk';

export type ProfileKind = AwsProfile['kind'];

/** Where the shared files are, honouring AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE. */
export function awsFiles(env: NodeJS.ProcessEnv = process.env): {
  config: string;
  credentials: string;
} {
  return {
    config: env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials'),
  };
}

/** Sections of the config file that are not profiles (`[sso-session x]`, `[services x]`). */
const NOT_PROFILES = /^(sso-session|services)\./;

/** Every profile in the shared config and credentials files, with what kind it is. */
export async function listProfiles(env: NodeJS.ProcessEnv = process.env): Promise<AwsProfile[]> {
  const files = awsFiles(env);
  // The SDK's own reader: Ferry lists exactly the profiles the SDK will resolve.
  const { configFile, credentialsFile } = await loadSharedConfigFiles({
    filepath: files.credentials,
    configFilepath: files.config,
    ignoreCache: true,
  });
  const config = new Map(Object.entries(configFile).filter(([name]) => !NOT_PROFILES.test(name)));
  const credentials = new Map(Object.entries(credentialsFile));
  const names = [...new Set([...config.keys(), ...credentials.keys()])].sort((a, b) =>
    a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b),
  );
  return names.map((name) => {
    const c = config.get(name) ?? {};
    const k = credentials.get(name) ?? {};
    const all = { ...c, ...k };
    const kind: ProfileKind = all.role_arn
      ? all.web_identity_token_file
        ? 'web-identity'
        : 'assume-role'
      : all.sso_session || all.sso_start_url
        ? 'sso'
        : all.credential_process
          ? 'process'
          : all.aws_access_key_id
            ? 'static'
            : 'incomplete';
    return {
      name,
      kind,
      region: c.region ?? k.region ?? null,
      files: [
        ...(config.has(name) ? ['config' as const] : []),
        ...(credentials.has(name) ? ['credentials' as const] : []),
      ],
      roleArn: all.role_arn ?? null,
      mfaSerial: all.mfa_serial ?? null,
    };
  });
}

/** Thrown (inside the SDK) when a profile needs an MFA code and none was given. */
class MfaNeeded extends Error {
  constructor(readonly serial: string) {
    super(`MFA code needed for ${serial}`);
  }
}

export interface ResolveOptions {
  /** A one-time code for profiles with `mfa_serial`. */
  mfaCode?: string;
  /** Give up on a credential_process (or SSO, or STS) after this long. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Resolve a profile's credentials with the SDK's own providers (static keys, SSO, assume-role
 * chains, credential_process, MFA) and turn each way it can fail into an error that says what
 * to do.
 */
export async function resolveCredentials(
  profile: string,
  options: ResolveOptions = {},
): Promise<AwsCredentialIdentity> {
  const { fromIni } = await credentialsSdk();
  const provider = fromIni({
    profile,
    ignoreCache: true,
    mfaCodeProvider: async (serial: string) => {
      if (!options.mfaCode) throw new MfaNeeded(serial);
      return options.mfaCode;
    },
  });
  const timeoutMs = options.timeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      provider(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`__timeout__`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    throw await credentialError(profile, error, timeoutMs, options.env ?? process.env);
  } finally {
    clearTimeout(timer);
  }
}

async function credentialError(
  profile: string,
  error: unknown,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): Promise<FerryError> {
  const message = String((error as Error)?.message ?? error);
  const known = (await listProfiles(env)).find((p) => p.name === profile);
  if (error instanceof MfaNeeded || (/mfa/i.test(message) && /code/i.test(message)))
    return new FerryError(
      'validation',
      `Profile "${profile}" needs a code from its MFA device (${known?.mfaSerial ?? 'mfa_serial'})`,
      'mfaCode',
    );
  if (message === '__timeout__')
    return new FerryError(
      'validation',
      `Profile "${profile}" did not give credentials within ${Math.round(timeoutMs / 1000)} s${known?.kind === 'process' ? ' (its credential_process is still running)' : ''}. ` +
        (known?.kind === 'process'
          ? 'Run its credential_process command in a terminal to see what it waits for.'
          : 'Check your network and the profile.'),
      'profile',
    );
  if (!known)
    return new FerryError(
      'validation',
      `There is no AWS profile "${profile}" in ${awsFiles(env).config} or ${awsFiles(env).credentials}. Add it (aws configure --profile ${profile}) or choose another.`,
      'profile',
    );
  if (known.kind === 'sso' && /expired|token|refresh|sso/i.test(message))
    return new FerryError(
      'validation',
      `The SSO session of profile "${profile}" has expired or never started. Sign in with: aws sso login --profile ${profile}`,
      'profile',
    );
  if (known.kind === 'process')
    return new FerryError(
      'validation',
      `The credential_process of profile "${profile}" failed${processFailure(message)}. It must print JSON with Version 1, AccessKeyId and SecretAccessKey; run it in a terminal to check.`,
      'profile',
    );
  if (known.kind === 'incomplete')
    return new FerryError(
      'validation',
      `Profile "${profile}" has no credentials: add keys, SSO settings, a role or a credential_process to it.`,
      'profile',
    );
  return new FerryError(
    'validation',
    `Profile "${profile}" could not give credentials: ${message.split('\n')[0]}`,
    'profile',
  );
}

/**
 * What went wrong in a credential_process, without its command line: a token passed as an
 * argument (`--token …`) would otherwise be shown, logged and emailed.
 */
function processFailure(message: string): string {
  const first = message.split('\n')[0]!.trim();
  if (/^Command failed\b/i.test(first)) return ' (the command exited with an error)';
  return first ? `: ${first}` : '';
}

/** Things about the environment an admin should know when picking a profile. */
export function environmentWarnings(env: NodeJS.ProcessEnv = process.env): string[] {
  const warnings: string[] = [];
  if (env.AWS_ACCESS_KEY_ID)
    warnings.push(
      'AWS_ACCESS_KEY_ID is set in the environment. Ferry uses the profile you choose, but the aws CLI and other tools started from this environment use those keys instead — results can differ.',
    );
  if (env.AWS_PROFILE)
    warnings.push(
      `AWS_PROFILE is set to "${env.AWS_PROFILE}"; Ferry ignores it and uses each connection's own profile.`,
    );
  return warnings;
}
