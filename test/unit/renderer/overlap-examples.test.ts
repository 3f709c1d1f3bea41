import { expect, it } from 'vitest';
import { overlapExamples } from '../../../renderer/features/schedule/overlap-examples';

it('names each overlapping hour once, with its data sets', () => {
  expect(
    overlapExamples([
      { hour: '2026-11-29T05', dataset: 'events' },
      { hour: '2026-11-29T05', dataset: 'merged-ids' },
      { hour: '2026-11-29T06', dataset: 'events' },
    ]),
  ).toBe('2026-11-29 05:00 UTC (Events, Merged Amplitude IDs), 2026-11-29 06:00 UTC (Events)');
});
