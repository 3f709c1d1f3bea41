import { describe, expect, it } from 'vitest';
import { COLLECT_EVERY, collectGarbage } from '../../../../electron/engine/pipeline/shared-blocks';

describe('collectGarbage', () => {
  it('starts a collection without printing Node’s experimental warning, and no other warning is lost', async () => {
    const seen: string[] = [];
    const original = process.emitWarning;
    process.emitWarning = ((warning: string | Error) =>
      void seen.push(String(warning))) as typeof process.emitWarning;
    try {
      collectGarbage(COLLECT_EVERY);
      process.emitWarning('a warning of its own');
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.emitWarning = original;
    }
    expect(seen).toEqual(['a warning of its own']);
  });
});
