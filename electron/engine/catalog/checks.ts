/** The catalog's checks of what an admin asks for: names, folders, buckets, keys, sources. */
import { access, constants, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { FerryError } from '../../../shared/api/errors';
import { kmsKeyProblem, regionProblem } from '../../../shared/aws/regions';
import {
  FILE_MODES,
  type Connection,
  type Destination,
  type Project,
} from '../../../shared/model/entities';
import { endpointPathProblem } from '../../../shared/model/fields';
import { isMountPoint, makeDestinationFolder } from '../sinks/folder';
import { unmakeFolder } from '../store/make-folder';
import type { ConfigData } from '../store/schema';

/**
 * An S3 destination's fields that depend on each other or on AWS: a bucket on AWS is in one of
 * AWS's Regions (an S3-compatible store names its own), its KMS key in the bucket's Region, and an
 * endpoint is a scheme, host and port — no path. Checked when a destination is given, not in the
 * stored schema: a data folder saved before still opens.
 */
export function checkS3Destination(dest: Destination): void {
  if (dest.type !== 's3') return;
  const endpoint = endpointPathProblem(dest.endpoint);
  if (endpoint) throw new FerryError('validation', endpoint, 'destination.endpoint');
  const problem = regionProblem(dest.region, dest.endpoint);
  if (problem) throw new FerryError('validation', problem, 'destination.region');
  const key = kmsKeyProblem(dest.kmsKeyArn, dest.region);
  if (key) throw new FerryError('validation', key, 'destination.kmsKeyArn');
}

/** The data folder's own sub-folders: Ferry reads back, removes or sends on what is in them. */
const DATA_DIR_OWN = ['jobs', 'backups', 'commits', 'cache'];

/**
 * Where `inner` is inside `outer`: the relative path ('' when the same folder), or null when it
 * is not. Compared as written once resolved, without case where disks usually ignore it.
 */
function within(
  outer: string,
  inner: string,
  platform: NodeJS.Platform = process.platform,
): string | null {
  const fold = (p: string) => (platform === 'win32' || platform === 'darwin' ? p.toLowerCase() : p);
  const path = relative(fold(resolve(outer)), fold(resolve(inner)));
  return path.startsWith('..') || isAbsolute(path) ? null : path;
}

/**
 * A folder destination is not Ferry's data folder itself nor inside one of its own sub-folders
 * (job history, policy backups, commit records, downloads), where exports would mix with files
 * Ferry reads back or removes. A folder of its own inside the data folder is fine: the demo
 * connection writes to `demo-export/`.
 */
export function checkFolderOutsideDataDir(
  dest: Destination,
  dataDir: string | null,
  platform: NodeJS.Platform = process.platform,
): void {
  if (dest.type !== 'folder' || !dataDir) return;
  const inside = within(dataDir, dest.path, platform);
  if (inside === null) return;
  const own = inside.split(/[\\/]/)[0]!;
  if (inside !== '' && !DATA_DIR_OWN.includes(own)) return;
  const where =
    inside === ''
      ? `is Ferry's data folder`
      : `is inside the ${own}/ folder of Ferry's data folder (${dataDir})`;
  throw new FerryError(
    'validation',
    `${dest.path} ${where}, which holds its settings, job history and policy backups. Choose a folder of its own for the exports.`,
    'destination.path',
  );
}

/**
 * A folder destination is made when its connection is saved — never by an export, which then
 * finds an unmounted disk's folder missing instead of making it on the disk underneath. One
 * Ferry can not make is a field error now, not an hour that fails later.
 *
 * `save` runs after the folder is made, given the destination to store (a folder marked when it
 * is a mount point: `markMountPoint`; `before` is the stored one, for a mark to keep). The save
 * can still be refused (a name taken, a project gone): a refused save takes back the folders it
 * made, unless a connection saved meanwhile exports there. Nothing half-done is left for a save
 * that did not happen.
 */
export async function withFolderDestination<R>(
  dest: Destination | undefined,
  before: Destination | undefined,
  stored: () => ConfigData,
  save: (dest: Destination | undefined) => Promise<R>,
): Promise<R> {
  const made = dest?.type === 'folder' ? await makeFolderDestination(dest) : undefined;
  try {
    return await save(dest && (await markMountPoint(dest, before)));
  } catch (error) {
    const usedMeanwhile = (top: string) =>
      stored().connections.some(
        (c) => c.destination.type === 'folder' && within(top, c.destination.path) !== null,
      );
    if (made && !usedMeanwhile(made.top)) await unmakeFolder(made.path, made.top);
    throw error;
  }
}

/**
 * A folder destination as saved: marked when it is where a disk or share is mounted (an export
 * then refuses it while nothing is mounted there). The mark stays while the folder stays the
 * same — a save while the disk is not mounted keeps it; what a client sent is never taken.
 */
async function markMountPoint(dest: Destination, before: Destination | undefined) {
  if (dest.type !== 'folder') return dest;
  const { mountPoint: _sent, ...folder } = dest;
  const kept =
    before?.type === 'folder' &&
    before.mountPoint === true &&
    within(before.path, dest.path) === '';
  return kept || (await isMountPoint(resolve(dest.path)))
    ? { ...folder, mountPoint: true }
    : folder;
}

/** Make the folder; the answer names the folders it made (none when all were there). */
async function makeFolderDestination(
  dest: Extract<Destination, { type: 'folder' }>,
): Promise<{ path: string; top: string } | undefined> {
  try {
    const top = await makeDestinationFolder(dest.path, FILE_MODES[dest.permissions]);
    return top === undefined ? undefined : { path: resolve(dest.path), top };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FerryError(
      'validation',
      `Ferry can not make the folder ${dest.path}: ${FOLDER_REFUSALS[code ?? ''] ?? (error as Error).message}. Choose a folder Ferry may write to.`,
      'destination.path',
    );
  }
}

const FOLDER_REFUSALS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'its disk is read-only',
  ENOSPC: 'its disk is full',
  EEXIST: 'a file has that name',
  ENOTDIR: 'part of the path is a file',
  // Its parent is there, yet the disk refused a new folder (/proc, some FUSE file systems).
  ENOENT: 'the disk there does not take new folders',
};

/**
 * No folder destination and files source overlap (one the other, or inside it): the source
 * would read the exports back as events — a project its own exports on the next run (counted
 * as duplicates, and holding on to events gone from the source), another project's as its own.
 * Checked for what a change sets — a connection's destination or a project's source — against
 * the rest of the catalog.
 */
export function checkSourcesApartFromExports(
  data: ConfigData,
  changed: { connection: Connection } | { project: Project },
): void {
  const connections = 'connection' in changed ? [changed.connection] : data.connections;
  const projects = 'project' in changed ? [changed.project] : data.projects;
  for (const conn of connections) {
    const dest = conn.destination;
    if (dest.type !== 'folder') continue;
    for (const project of projects) {
      const source = project.source;
      if (source.type !== 'files') continue;
      if (within(source.path, dest.path) === null && within(dest.path, source.path) === null)
        continue;
      throw new FerryError(
        'validation',
        `Connection "${conn.name}" exports to ${dest.path}, and project "${project.name}" reads its events from ${source.path}: one folder is inside the other, so the project would read exported files back as new events. Keep the exports and the source in separate folders.`,
        'connection' in changed ? 'destination.path' : 'source.path',
      );
    }
  }
}

/** The rules a connection must meet against everything else stored. */
export function checkConnection(data: ConfigData, conn: Connection, project: Project): void {
  if (project.kind === 'portfolio')
    throw new FerryError(
      'validation',
      `"${project.name}" is a portfolio project, and portfolio projects can not be export sources. Choose one of the projects it combines instead.`,
      'projectId',
    );
  const others = data.connections.filter((c) => c.id !== conn.id);
  const sameName = others.find((c) => c.name.toLowerCase() === conn.name.toLowerCase());
  if (sameName)
    throw new FerryError(
      'conflict',
      `A connection named "${sameName.name}" already exists`,
      'name',
    );

  const dest = conn.destination;
  if (dest.type === 's3' && dest.kmsKeyArn && /:alias\//.test(dest.kmsKeyArn))
    throw new FerryError(
      'validation',
      `Use the key's ARN (arn:…:kms:<region>:<account>:key/<key id>), not an alias: policies grant a KMS key by its key ARN, so an alias would fail at the first export. Find it with: aws kms describe-key --key-id ${dest.kmsKeyArn.replace(/^.*:alias\//, 'alias/')}`,
      'destination.kmsKeyArn',
    );
  if (dest.type === 'folder' && conn.options.jsonTable)
    throw new FerryError(
      'validation',
      'A Glue table reads S3 only, and this connection exports to a folder: turn the JSON table off (--no-json-table), or export to S3.',
      'options.jsonTable',
    );
  for (const other of others) {
    const od = other.destination;
    if (dest.type === 's3' && od.type === 's3' && bucketKey(dest) === bucketKey(od)) {
      const otherProject = data.projects.find((p) => p.id === other.projectId);
      if (otherProject && otherProject.orgId !== project.orgId) {
        const otherOrg = data.organizations.find((o) => o.id === otherProject.orgId);
        throw new FerryError(
          'conflict',
          `Bucket "${dest.bucket}" is already bound to organization "${otherOrg?.name ?? otherProject.orgId}" (ID ${otherProject.orgId}). A bucket can belong to one organization only.`,
          'destination.bucket',
        );
      }
      const pair = conn.replaces === other.id || other.replaces === conn.id;
      if (pair && conn.enabled && other.enabled)
        throw new FerryError(
          'conflict',
          `"${conn.name}" and "${other.name}" export project ${conn.projectId} to the same place (one replaces the other in a KMS migration): only one of them can be enabled. Disable "${other.name}" first, or roll the migration back.`,
          'enabled',
        );
      if (other.projectId === conn.projectId && od.prefix === dest.prefix && !pair)
        throw new FerryError(
          'conflict',
          `Connection "${other.name}" already exports project ${conn.projectId} to s3://${dest.bucket}/${dest.prefix}. Use another prefix.`,
          'destination.prefix',
        );
    }
    if (
      conn.datasets.includes('merged-ids') &&
      other.datasets.includes('merged-ids') &&
      sameFolder(dest, od)
    ) {
      const otherProject = data.projects.find((p) => p.id === other.projectId);
      if (otherProject?.orgId === project.orgId && other.projectId !== conn.projectId)
        throw new FerryError(
          'conflict',
          `Connection "${other.name}" already exports organization ${project.orgId}'s merged IDs to the same place (one file per hour, -${project.orgId}_<date>_<hour>.json.gz). Export merged IDs from one connection, or use another prefix.`,
          'datasets',
        );
    }
    if (
      dest.type === 'folder' &&
      od.type === 'folder' &&
      other.projectId === conn.projectId &&
      od.path === dest.path
    )
      throw new FerryError(
        'conflict',
        `Connection "${other.name}" already exports project ${conn.projectId} to ${dest.path}`,
        'destination.path',
      );
  }
}

/** True when two destinations are the same bucket and prefix, or the same folder. */
export function sameFolder(a: Destination, b: Destination): boolean {
  if (a.type === 's3' && b.type === 's3')
    return bucketKey(a) === bucketKey(b) && a.prefix === b.prefix;
  return a.type === 'folder' && b.type === 'folder' && a.path === b.path;
}

/**
 * A files source reads a folder that is there and readable now: a mistyped path is a field
 * error when it is given, not an hour that fails later. (A folder that goes away afterwards
 * fails that hour's export, which says why.)
 */
export async function checkSourceFolder(source: Project['source']): Promise<void> {
  if (source.type !== 'files') return;
  const problem = await stat(source.path).then(
    async (info) => {
      if (!info.isDirectory()) return `${source.path} is a file, not a folder`;
      return access(source.path, constants.R_OK | constants.X_OK).then(
        () => null,
        () => `Ferry may not read ${source.path} (check its permissions)`,
      );
    },
    (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT'
        ? `There is no folder ${source.path}`
        : `Ferry can not open ${source.path} (${error.code ?? error.message})`,
  );
  if (problem) throw new FerryError('validation', problem, 'source.path');
}

/** An Amplitude source needs its secret key, unless one is stored already. */
export function requireSecretFor(
  source: Project['source'],
  secretKey: string | undefined,
  stored: boolean,
): void {
  if (source.type === 'amplitude' && secretKey === undefined && !stored)
    throw new FerryError('validation', "Enter the project's Amplitude secret key", 'secretKey');
}

/** Buckets are global on AWS; on a custom endpoint the same name is a different bucket. */
export function bucketKey(dest: Extract<Destination, { type: 's3' }>): string {
  return `${dest.endpoint ?? 'aws'}|${dest.bucket}`;
}
