import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Kysely } from 'kysely';
import { FerryError } from '../../../../shared/api/errors';
import { holdSecret } from '../../redact';
import { EnvironmentSecrets } from '../env-secrets';
import type { SecretsPort } from '../ports';
import { isUsable, SecretUnusable } from '../secret-unusable';
import type { Database } from './schema';
import type { WriteFence } from './writer';

/** What seals secrets: a KMS key's data keys (envelope encryption). */
export interface DataKeySource {
  /** A new 256-bit data key: in clear (kept in memory only) and as KMS encrypted it. */
  generate(keyArn: string): Promise<{ plain: Buffer; wrapped: Buffer }>;
  decrypt(keyArn: string, wrapped: Buffer): Promise<Buffer>;
}

/** Data keys from AWS KMS (GenerateDataKey / Decrypt) with the team's key. */
export function kmsDataKeys(kms: KMSClient): DataKeySource {
  return {
    async generate(keyArn) {
      const out = await kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));
      if (!out.Plaintext || !out.CiphertextBlob)
        throw new FerryError('upstream', `KMS gave no data key for ${keyArn}.`);
      return { plain: Buffer.from(out.Plaintext), wrapped: Buffer.from(out.CiphertextBlob) };
    },
    async decrypt(keyArn, wrapped) {
      const out = await kms.send(new DecryptCommand({ KeyId: keyArn, CiphertextBlob: wrapped }));
      if (!out.Plaintext)
        throw new FerryError('upstream', `KMS did not decrypt the data key of ${keyArn}.`);
      return Buffer.from(out.Plaintext);
    },
  };
}

const FORMAT = 'v1';

/**
 * AES-256-GCM with the name and origin as associated data: a sealed value moved to another
 * name, or given another origin in the database, no longer opens.
 */
export function seal(key: Buffer, name: string, origin: string, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associated(name, origin));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [FORMAT, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
    .join('.');
}

/** The plain text, or null when the value does not open with this key, name and origin. */
export function unseal(key: Buffer, name: string, origin: string, sealed: string): string | null {
  const [format, iv, tag, body] = sealed.split('.');
  if (format !== FORMAT || !iv || !tag || body === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(associated(name, origin));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}

const associated = (name: string, origin: string) =>
  Buffer.from(JSON.stringify(['ferry-secret', name, origin]), 'utf8');

/**
 * Secrets in PostgreSQL, never in clear: each sealed by a data key that only the team's KMS key
 * can open (the wrapped key in `ferry.keyring`, decrypted once per process), bound to the one
 * origin it may be sent to. `FERRY_SECRET_<NAME>` in a host's environment wins, as on a laptop.
 * A host started without a KMS key reads only its environment's secrets and stores none.
 */
export class PgSecrets implements SecretsPort {
  readonly damaged = null;
  /** Nothing is set aside in a database (a row that does not open is refused where it is read). */
  onDamaged: ((aside: string) => void) | null = null;
  private readonly keys = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: WriteFence,
    private readonly environment: EnvironmentSecrets,
    /** The KMS key new secrets are sealed with, and how its data keys are had; null: none. */
    private readonly sealing: { keyArn: string; source: DataKeySource } | null,
  ) {}

  bindEnvironment(origins: Iterable<readonly [name: string, origin: string]>): void {
    this.environment.bind(origins);
  }

  inEnvironment(name: string): boolean {
    return this.environment.has(name);
  }

  async get(name: string, origin?: string): Promise<string | null> {
    const fromEnv = this.environment.get(name, origin);
    if (fromEnv) return held(fromEnv);
    const row = await this.db
      .selectFrom('ferry.secrets')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) return null;
    if (origin && row.origin !== origin)
      throw new SecretUnusable(
        `The secret "${name}" was given for ${row.origin}, not ${origin}`,
        'Enter it again for the new address; Ferry never sends a secret anywhere else.',
      );
    if (!this.sealing)
      throw new SecretUnusable(
        `The secret "${name}" is sealed with the KMS key ${row.key_arn}, and this Ferry was started without a KMS key`,
        `Start it with --secrets-key ${row.key_arn}, or give ${EnvironmentSecrets.envName(name)} in its environment.`,
      );
    const plain = unseal(await this.dataKey(row.key_arn, false), name, row.origin, row.sealed);
    if (plain === null)
      throw new SecretUnusable(
        `The secret "${name}" does not open with its key: it was changed in the database, not by Ferry`,
        'Enter it again here; Ferry never uses a secret it can not prove was stored by it.',
      );
    return held(plain);
  }

  async has(name: string, origin?: string): Promise<boolean> {
    return isUsable(() => this.get(name, origin));
  }

  async originOf(name: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('ferry.secrets')
      .select('origin')
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.origin ?? null;
  }

  async set(name: string, value: string, origin: string): Promise<void> {
    holdSecret(value);
    this.writer.guard();
    if (!this.sealing)
      throw new FerryError(
        'validation',
        `Ferry keeps no secret in PostgreSQL in clear, and this Ferry was started without a KMS key to seal it: start it with --secrets-key <KMS key ARN>, or give ${EnvironmentSecrets.envName(name)} in the environment of every host.`,
      );
    const { keyArn } = this.sealing;
    const sealed = seal(await this.dataKey(keyArn, true), name, origin, value);
    await this.db.transaction().execute(async (trx) => {
      await this.writer.fence(trx);
      const values = { name, origin, key_arn: keyArn, sealed };
      await trx
        .insertInto('ferry.secrets')
        .values(values)
        .onConflict((oc) => oc.column('name').doUpdateSet(values))
        .execute();
    });
  }

  async delete(name: string): Promise<void> {
    this.writer.guard();
    await this.db.transaction().execute(async (trx) => {
      await this.writer.fence(trx);
      await trx.deleteFrom('ferry.secrets').where('name', '=', name).execute();
    });
  }

  /** A KMS key's data key in clear: from the keyring (decrypted once), or made when asked to. */
  private dataKey(keyArn: string, create: boolean): Promise<Buffer> {
    const known = this.keys.get(keyArn);
    if (known) return known;
    const loading = this.loadKey(keyArn, create);
    this.keys.set(keyArn, loading);
    loading.catch(() => this.keys.delete(keyArn));
    return loading;
  }

  private async loadKey(keyArn: string, create: boolean): Promise<Buffer> {
    const source = this.sealing!.source;
    const stored = () =>
      this.db
        .selectFrom('ferry.keyring')
        .select('wrapped')
        .where('key_arn', '=', keyArn)
        .executeTakeFirst();
    let row = await stored();
    if (!row && create) {
      const made = await source.generate(keyArn);
      await this.db
        .insertInto('ferry.keyring')
        .values({ key_arn: keyArn, wrapped: made.wrapped })
        .onConflict((oc) => oc.column('key_arn').doNothing())
        .execute();
      // Another host may have stored its own first: every host uses the stored one.
      row = await stored();
    }
    if (!row)
      throw new SecretUnusable(
        `No data key of the KMS key ${keyArn} is in the database`,
        'Enter the secret again here.',
      );
    return source.decrypt(keyArn, row.wrapped);
  }
}

function held(secret: string): string {
  holdSecret(secret);
  return secret;
}
