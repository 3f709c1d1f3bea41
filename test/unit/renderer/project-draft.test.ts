import { describe, expect, it } from 'vitest';
import type { Project } from '../../../shared/model/entities';
import { checkDraft, draftFrom } from '../../../renderer/features/projects/project-draft';

const amplitude = {
  ...draftFrom(undefined),
  id: '187520',
  name: 'Web',
  sourceType: 'amplitude' as const,
  apiKey: 'k'.repeat(32),
};

describe('the project form draft', () => {
  it("asks where a new project's events come from: never demo data by default", () => {
    const fresh = { ...draftFrom(undefined), id: '187520', name: 'Web' };
    expect(fresh.sourceType).toBe('');
    expect(checkDraft(fresh, undefined, 1, false).problems).toEqual({
      'source.type': 'Choose where the events come from',
    });
  });

  it('asks for the secret key of a new Amplitude project', () => {
    expect(checkDraft(amplitude, undefined, 1, false).problems).toEqual({
      secretKey: "Enter the project's secret key",
    });
  });

  it('does not ask again when a secret key is stored, and sends none', () => {
    const checked = checkDraft(amplitude, undefined, 1, true);
    expect(checked.problems).toEqual({});
    expect(checked.secretKey).toBeUndefined();
  });

  it('reports schema problems by field', () => {
    const checked = checkDraft({ ...amplitude, id: 'abc', secretKey: 's' }, undefined, 1, false);
    expect(Object.keys(checked.problems)).toEqual(['id']);
  });

  it('keeps a demo project seed across an edit', () => {
    const existing = {
      id: 5,
      orgId: 1,
      name: 'Demo',
      kind: 'standard',
      source: { type: 'demo', seed: 42, eventsPerHour: 100 },
    } as Project;
    const draft = { ...draftFrom(existing), eventsPerHour: '300' };
    expect(checkDraft(draft, existing, 1, false).source).toEqual({
      type: 'demo',
      seed: 42,
      eventsPerHour: 300,
    });
  });
});
