import { describe, expect, it } from 'vitest';
import { formatBytes, plural, sentence, utcTime } from '../../../shared/format';

describe('words for numbers', () => {
  it('says one thing in the singular and any other count in the plural', () => {
    expect(plural(1, 'object')).toBe('1 object');
    expect(plural(0, 'object')).toBe('0 objects');
    expect(plural(2, 'missed hour')).toBe('2 missed hours');
    expect(plural(12_345, 'event')).toBe('12,345 events');
  });

  it('gives sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

describe('messages as sentences', () => {
  it('end with one full stop, never two', () => {
    expect(sentence('There is no job j_1')).toBe('There is no job j_1.');
    expect(sentence('Done.')).toBe('Done.');
    expect(sentence('Is ferry serve still running? ')).toBe('Is ferry serve still running?');
  });
});

describe('moments in UTC', () => {
  it('read yyyy-MM-dd HH:mm UTC, from an ISO time or milliseconds', () => {
    expect(utcTime('2026-12-03T14:05:09.123Z')).toBe('2026-12-03 14:05 UTC');
    expect(utcTime(Date.UTC(2026, 11, 3, 14, 5, 9))).toBe('2026-12-03 14:05 UTC');
  });
});
