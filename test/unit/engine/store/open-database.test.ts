import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../../shared/api/errors';
import {
  explainOpenError,
  openDatabase,
} from '../../../../electron/engine/store/postgres/open-database';
import { freePort } from '../../../support/moto';

const URL_WITH_SECRET = 'postgres://ferry:s3cret@db.example:5432/ferry_team';

describe('openDatabase', () => {
  it('says a server that does not answer in words, without the password', async () => {
    const port = await freePort(); // nothing listens there
    const url = `postgres://ferry:s3cret@127.0.0.1:${port}/team`;
    const refused = await openDatabase(url).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FerryError);
    expect((refused as FerryError).message).toBe(
      `PostgreSQL at postgres://ferry:***@127.0.0.1:${port}/team did not answer (connect ECONNREFUSED 127.0.0.1:${port}). Is it running and reachable from this host? Check --database (or FERRY_DATABASE_URL).`,
    );
  });
});

describe('explainOpenError', () => {
  const explained = (error: object) => {
    const out = explainOpenError(Object.assign(new Error('x'), error), URL_WITH_SECRET);
    expect(out).toBeInstanceOf(FerryError);
    expect((out as FerryError).message).not.toContain('s3cret');
    return (out as FerryError).message;
  };

  it('names a refused login, a missing password and a missing database', () => {
    expect(
      explained({ code: '28P01', message: 'password authentication failed for user "ferry"' }),
    ).toMatch(/refused the login \(password authentication failed for user "ferry"\)/);
    expect(
      explained({ message: 'SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string' }),
    ).toMatch(/refused the login \(it asks for a password and the URL gives none\)/);
    expect(explained({ code: '3D000', message: 'database "ferry_team" does not exist' })).toBe(
      'The database "ferry_team" does not exist at postgres://ferry:***@db.example:5432/ferry_team. Create it (createdb ferry_team) or name another. Check --database (or FERRY_DATABASE_URL).',
    );
    expect(explained({ message: 'timeout exceeded when trying to connect' })).toMatch(
      /did not answer \(timeout exceeded when trying to connect\)/,
    );
  });

  it('leaves any other error as it is', () => {
    const other = Object.assign(new Error('relation "x" does not exist'), { code: '42P01' });
    expect(explainOpenError(other, URL_WITH_SECRET)).toBe(other);
  });
});
