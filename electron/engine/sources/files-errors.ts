import { join } from 'node:path';
import { SourceError } from './types';

/*
 * What a files source says when its folder can not be exported: each problem named, with the
 * file and the fix, and whether a retry could help.
 */

/**
 * A source folder with no data file at all proves no hour empty: it is a disk or share not
 * mounted (its mount point is an empty folder), or files not there yet — exporting its hours
 * as "done, no events" would never export them once the files are back.
 */
export function emptyFolder(root: string): SourceError {
  return new SourceError(
    `The source folder ${root} holds no event files at all (.json, .ndjson or .jsonl, gzipped or not)`,
    'If it is on a disk or a network share, mount it; if its files are still to come, export once they are there. An hour is exported as empty only when the folder holds files, none of them of that hour.',
    { code: 'source-empty' },
  );
}

/**
 * A file none of whose lines is an event Ferry can place in an hour (a CSV or a JSON array named
 * `.json`, another tool's export): its events would be in no hour — each exported as "done" with
 * them missing. Every hour waits on it, as on a damaged file: any hour may be in it.
 */
export function noEventsIn(
  root: string,
  name: string,
  file: { unplaced: number; sample?: string },
  merged: boolean,
): SourceError {
  const lines = file.unplaced === 1 ? '1 line' : `${file.unplaced} lines`;
  const field = merged ? 'merge_server_time' : 'server_upload_time';
  return new SourceError(
    `The file ${name} in the source folder ${root} holds no event Ferry can read: none of its ${lines} is a JSON object with a ${field} Ferry reads${file.sample ? ` (${file.sample})` : ''}`,
    `Ferry reads NDJSON — one JSON object per line, each with its ${field}, as Amplitude exports them. Convert ${join(root, name)} to that, or move it out of the folder; no hour of this project is exported until then (any of them may be in that file).`,
    { code: 'source-not-events' },
  );
}

/** A file whose events name this project and others: Ferry does not sort them line by line. */
export function mixedProjects(root: string, name: string, apps: number[]): SourceError {
  return new SourceError(
    `The file ${name} in the source folder ${root} holds events of several Amplitude projects (${apps.join(', ')})`,
    `Keep each project's events in files of their own (Amplitude exports them that way), or move ${join(root, name)} out of the folder; no hour of this project is exported until then.`,
    { code: 'source-mixed-projects' },
  );
}

/** A folder with events of other projects only: the wrong folder, for this project. */
export function onlyOtherProjects(root: string, apps: number[], projectId: number): SourceError {
  return new SourceError(
    `The source folder ${root} holds events of Amplitude project${apps.length === 1 ? '' : 's'} ${apps.join(', ')}, none of project ${projectId}`,
    `Choose the folder of project ${projectId}'s events in the project settings. Nothing is exported from a folder of another project's events.`,
    { code: 'wrong-project' },
  );
}

/**
 * A file changed a moment ago whose last line is not finished (or whose gzip data ends early):
 * a copy still coming in. Exported now, its hours would be marked done with part of their
 * events, and never exported again; so every hour waits, and the job tries again shortly.
 */
export function beingWritten(root: string, name: string, ageMs: number): SourceError {
  const seconds = Math.max(0, Math.round(ageMs / 1000));
  return new SourceError(
    `The file ${name} in the source folder ${root} is still being written (changed ${seconds} s ago, its last line not finished)`,
    'Nothing is needed if a copy is coming in: Ferry tries again shortly, and exports once the file is whole. Write files elsewhere and move them into the folder when complete to avoid the wait.',
    { code: 'source-being-written', transient: true },
  );
}

/**
 * A folder or file of the source that Ferry may not read: the source's problem, named — an
 * errno passed on would read as the destination refusing a write, with a fix to match.
 * Permanent (a retry reads the same permissions), and every hour waits on it: the folder's
 * index covers all of it, and an unread file may hold any hour.
 */
export function unreadable(root: string, path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EACCES' && code !== 'EPERM') return error as Error;
  return new SourceError(
    `Ferry may not read ${path} in the source folder ${root} (permission denied)`,
    `Let the account Ferry runs as read it, or keep the event files in a folder without it (a disk's lost+found, say); no hour of this project is exported until then.`,
    { code: 'source-unreadable' },
  );
}

/**
 * A file of the folder that can not be read as what its name says (a `.gz` cut short or
 * corrupt): a permanent source problem, named, with its fix — retrying would read the same bytes.
 * A refused permission is `unreadable`; other errors (the disk) are passed on as they are.
 */
export function damagedFile(root: string, name: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOENT')
    return new SourceError(
      `The file ${name} in the source folder ${root} went away while Ferry read it`,
      'If it was moved or renamed on purpose, nothing is needed: the next try reads the folder as it is then.',
      { code: 'source-missing', transient: true },
    );
  if (code === 'EACCES' || code === 'EPERM') return unreadable(root, join(root, name), error);
  // Said of "line 1" alone, the admin could not tell which of the folder's files it is.
  if (error instanceof SourceError && code === 'line-too-long')
    return new SourceError(
      `The file ${name} in the source folder ${root} is not NDJSON: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`,
      `Ferry reads one JSON object per line. Convert ${join(root, name)} to that, or move it out of the folder; the hours it holds are exported once it is.`,
      { code },
    );
  if (!code.startsWith('Z_')) return error as Error;
  const what =
    code === 'Z_BUF_ERROR'
      ? 'its gzip data ends early — a partial copy?'
      : `its gzip data is corrupt (${(error as Error).message})`;
  return new SourceError(
    `The file ${name} in the source folder ${root} is damaged: ${what}`,
    `Replace ${join(root, name)} with a good copy, or move it out of the folder; the hours it holds are exported again once it is.`,
    { code: 'source-damaged' },
  );
}

/**
 * What a file that starts with these bytes is, when it is not UTF-8 text: said instead of "line 1:
 * not valid JSON", which is true and no help when the text looks like JSON in an editor.
 */
export function notText(buf: Buffer): string | null {
  const [a, b] = [buf[0], buf[1]];
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff))
    return 'the file is UTF-16 text (as Windows PowerShell writes it); Ferry reads UTF-8';
  if (a === 0x1f && b === 0x8b) return 'the file is gzip-compressed: give it a name ending in .gz';
  return null;
}

/** Why a line holds no hour Ferry can read. */
export function whyNoHour(text: string, merged: boolean): string {
  const field = merged ? 'merge_server_time' : 'server_upload_time';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'not a JSON object';
  return field in value ? `its ${field} is not a time` : `no ${field}`;
}
