import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectionOptions, projectCreate, scheduleOptions } from '../../../shared/model/entities';
import { settingsUpdate } from '../../../shared/model/settings';

const firstMessage = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value).error?.issues[0]?.message;

describe('field errors in plain words', () => {
  it('never shows zod’s own wording', () => {
    expect(firstMessage(z.object({ n: z.number().int() }), { n: 1.5 })).toBe(
      'Enter a whole number, e.g. 5',
    );
    expect(firstMessage(connectionOptions, { gzipLevel: 1.5 })).toBe(
      'Compression level must be a number from 1 to 9',
    );
    expect(firstMessage(z.object({ n: z.number().positive() }), { n: 0 })).toBe(
      'Must be more than 0',
    );
    expect(firstMessage(z.object({ s: z.string().max(5) }), { s: 'toolong' })).toBe(
      'Must be at most 5 characters (this is 7)',
    );
    expect(firstMessage(z.object({ e: z.enum(['a', 'b']) }), { e: 'c' })).toBe(
      'Must be one of: a, b',
    );
    expect(firstMessage(z.object({ s: z.string() }), {})).toBe('This is required');
  });

  it('says what the field is called on the page, and why a long key is refused', () => {
    expect(firstMessage(settingsUpdate, { concurrency: 2.5 })).toBe(
      'Exports at once must be a whole number from 1 to 16',
    );
    expect(firstMessage(settingsUpdate, { concurrency: '2' })).toBe(
      'Exports at once must be a number from 1 to 16',
    );
    expect(firstMessage(settingsUpdate, { concurrency: 17 })).toBe(
      'Run at most 16 exports at a time',
    );
    expect(firstMessage(scheduleOptions, { lookbackHours: 0 })).toBe(
      'Catch-up window must be at least 1 hour',
    );
    expect(firstMessage(scheduleOptions, { lookbackHours: 2.5 })).toBe(
      'Catch-up window must be a whole number of hours',
    );
    const apiKey = 'x'.repeat(3000);
    expect(
      firstMessage(projectCreate, {
        id: 1,
        orgId: 1,
        name: 'Web',
        source: { type: 'amplitude', apiKey },
        secretKey: 's',
      }),
    ).toMatch(/^API key is too long/);
  });
});
