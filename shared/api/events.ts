/**
 * The push stream: what the engine tells open consoles without being asked.
 *
 * Desktop delivers these over IPC, headless over server-sent events; the union is the same.
 */
import type { Backfill, Job } from '../model/jobs';
import type { ConnectionStatus, DesktopNotification } from '../model/schedule';
import type { Notice } from './contract';

export type EntityKind = 'organization' | 'project' | 'connection' | 'migration';

export type PushEvent =
  | {
      type: 'entity.changed';
      entity: EntityKind;
      id: string | number;
      change: 'created' | 'updated' | 'deleted';
    }
  | { type: 'job.updated'; job: Job }
  | { type: 'job.progress'; jobId: string; eventsDone: number; bytesDone: number }
  | { type: 'notice'; notice: Notice }
  | { type: 'schedule.status'; status: ConnectionStatus }
  | { type: 'backfill.updated'; backfill: Backfill }
  | { type: 'notification'; notification: DesktopNotification };
