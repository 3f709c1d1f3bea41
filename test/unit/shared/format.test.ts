import { describe, expect, it } from 'vitest';
import { formatBytes, plural } from '../../../shared/format';

describe('words for numbers', () => {
  it('says one thing in the singular and any other count in the plural', () => {
    expect(plural(1, 'object')).toBe('1 object');
    expect(plural(0, 'object')).toBe('0 objects');
    expect(plural(2, 'missed hour')).toBe('2 missed hours');
  });

  it('gives sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
