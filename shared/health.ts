import type { ConnectionStatus } from './model/schedule';
import { plural } from './format';

/**
 * Ferry's health in one line, from the connection statuses the engine computes: what the tray,
 * the console's top bar and tab title say, so none of them says "healthy" where another says
 * failing.
 */
export interface Health {
  level: 'ok' | 'failing' | 'paused';
  /** "All 3 connections healthy", "1 connection failing", "Hourly exports paused"… */
  headline: string;
  failing: { connectionId: string; name: string; reason: string | null }[];
}

export function summarizeHealth(
  statuses: readonly ConnectionStatus[],
  names: Readonly<Record<string, string>>,
  paused = false,
): Health {
  const failing = statuses
    .filter((s) => s.state === 'failing')
    .map((s) => ({
      connectionId: s.connectionId,
      name: names[s.connectionId] ?? s.connectionId,
      reason: s.reason,
    }));
  const enabled = statuses.filter((s) => s.state !== 'disabled').length;
  const headline =
    failing.length > 0
      ? `${plural(failing.length, 'connection')} failing`
      : paused
        ? 'Hourly exports paused'
        : enabled === 0
          ? 'No connection exports hourly'
          : `All ${plural(enabled, 'connection')} healthy`;
  return {
    level: failing.length > 0 ? 'failing' : paused ? 'paused' : 'ok',
    headline: failing.length > 0 && paused ? `${headline} · paused` : headline,
    failing,
  };
}
