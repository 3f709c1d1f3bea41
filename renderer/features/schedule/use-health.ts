import { useMemo } from 'react';
import { summarizeHealth, type Health } from '../../../shared/health';
import { useConnectionsStore } from '../connections/store';
import { useScheduleStore } from './store';

/** Ferry's health as the tray and `ferry status` say it, from the statuses the console holds. */
export function useHealth(): Health {
  const statuses = useScheduleStore((s) => s.statuses);
  const connections = useConnectionsStore((s) => s.items);
  return useMemo(
    () =>
      summarizeHealth(
        // Only connections that still exist (a deleted one's status may linger a moment).
        connections.flatMap((c) => statuses[c.id] ?? []),
        Object.fromEntries(connections.map((c) => [c.id, c.name])),
      ),
    [statuses, connections],
  );
}
