import { describe, expect, it } from 'vitest';
import {
  formAlert,
  hasErrorUnder,
  placeErrors,
} from '../../../renderer/features/common/form-errors';

describe('a refused save', () => {
  const shown = ['name', 'destination.bucket', 'options.eventFilter.eventTypes'];

  it('marks the fields the form shows, and says the rest above the form', () => {
    const errors = {
      name: 'Enter a name',
      'destination.bucket': 'There is no bucket named "x".',
      'options.eventFilter.eventTypes': 'Name at least one event type',
      destination: 'The new destination fails its access check',
      enabled: 'Only one of them can be enabled',
    };
    expect(placeErrors(errors, shown)).toEqual({
      placed: {
        name: 'Enter a name',
        'destination.bucket': 'There is no bucket named "x".',
        'options.eventFilter.eventTypes': 'Name at least one event type',
      },
      unplaced: ['The new destination fails its access check', 'Only one of them can be enabled'],
    });
    expect(formAlert(null, errors, shown)).toBe(
      'The new destination fails its access check Only one of them can be enabled Check the fields marked in red.',
    );
  });

  it('never says "marked in red" when no field is', () => {
    expect(formAlert(null, { enabled: 'Disable "b" first.' }, shown)).toBe('Disable "b" first.');
    // A field the form does not show now (a folder form has no bucket) is no field at all.
    expect(formAlert(null, { 'destination.bucket': 'No such bucket' }, ['destination.path'])).toBe(
      'No such bucket',
    );
    // A field under one shown is not shown by it.
    expect(placeErrors({ 'destination.bucket.name': 'x' }, shown).unplaced).toEqual(['x']);
  });

  it("the engine's own message wins; nothing refused says nothing", () => {
    expect(formAlert('Ferry is offline', { name: 'x' }, shown)).toBe('Ferry is offline');
    expect(formAlert(null, {}, shown)).toBeUndefined();
  });

  it('finds errors under a section', () => {
    expect(hasErrorUnder({ 'options.gzipLevel': 'x' }, 'options.')).toBe(true);
    expect(hasErrorUnder({ 'schedule.lookbackHours': 'x' }, 'options', 'destination.sse')).toBe(
      false,
    );
    expect(hasErrorUnder({ 'destination.sse': 'x' }, 'options', 'destination.sse')).toBe(true);
  });
});
