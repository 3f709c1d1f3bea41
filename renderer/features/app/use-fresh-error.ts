import { useState } from 'react';
import { UNREACHABLE } from '../../api/transport';
import { useAppStore } from './store';

/**
 * An error message a page or dialog shows, that does not outlive its cause: "Ferry is not
 * reachable" is no longer shown once Ferry answers again (the link is up).
 */
export function useFreshError(): [string | null, (error: string | null) => void] {
  const [error, setError] = useState<string | null>(null);
  const up = useAppStore((s) => s.link === 'up');
  return [error === UNREACHABLE && up ? null : error, setError];
}
