import type { StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { JobStatus } from '../../../shared/model/entities';

export const STATUS_LOOK: Record<JobStatus, StatusIndicatorProps.Type> = {
  queued: 'pending',
  running: 'in-progress',
  succeeded: 'success',
  failed: 'error',
  cancelled: 'stopped',
};
