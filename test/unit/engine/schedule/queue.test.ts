import { describe, expect, it } from 'vitest';
import { ExportQueue } from '../../../../electron/engine/schedule/queue';

describe('the export queue', () => {
  it('holds many runs waiting for a slot without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(w.name);
    process.on('warning', listen);
    try {
      const queue = new ExportQueue(1);
      let open = () => {};
      const gate = new Promise<void>((resolve) => (open = resolve));
      const flights = Array.from({ length: 30 }, (_, i) =>
        queue.add(
          {
            connectionId: 'cn_a',
            hour: `2026-03-01T${String(i % 24).padStart(2, '0')}`,
            datasets: ['events'],
            priority: 0,
          },
          async () => {
            await gate;
            return [];
          },
        ),
      ).filter((f) => f !== null);
      expect(flights).toHaveLength(24); // one flight per hour
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      open();
      await queue.drained();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', listen);
    }
  });
});
