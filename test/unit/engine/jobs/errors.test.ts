import { describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { classifyError, historyWriteError } from '../../../../electron/engine/jobs/errors';
import { DestinationFolderMissing } from '../../../../electron/engine/sinks/folder';

/** An error as the AWS SDK throws it when an answer is not XML it can read. */
function unparsable(statusCode: number): Error {
  const error = new Error(
    "char 'N' is not expected.:1:1\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.",
  );
  Object.defineProperty(error, '$response', { value: { statusCode }, enumerable: false });
  return error;
}

describe('classifyError', () => {
  it("says an answer the SDK could not read in plain words, never the SDK's hint", () => {
    const proxy = classifyError(unparsable(403));
    expect(proxy).toMatchObject({ kind: 'config', code: 'unreadable-answer' });
    expect(proxy.message).toContain('HTTP 403');
    expect(proxy.message).not.toMatch(/\$response|Deserialization|char 'N'/);
    expect(proxy.fix).toMatch(/proxy.*endpoint/);
    // A server-side hiccup is worth retrying by itself.
    expect(classifyError(unparsable(502))).toMatchObject({
      kind: 'transient',
      code: 'unreadable-answer',
    });
  });

  it('keeps an AWS error code it knows, with its fix', () => {
    const missing = Object.assign(new Error('The specified bucket does not exist'), {
      name: 'NoSuchBucket',
      $metadata: { httpStatusCode: 404 },
    });
    expect(classifyError(missing)).toMatchObject({
      kind: 'config',
      code: 'NoSuchBucket',
      fix: 'Create the bucket, or correct the bucket name in the connection.',
    });
  });

  it('names the Glue permissions, not the export’s S3 ones, when Glue refuses', () => {
    const denied = (message: string) =>
      classifyError(
        Object.assign(new Error(message), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        }),
      );
    const glue = denied(
      'User: arn:aws:iam::123456789012:user/admin is not authorized to perform: glue:CreateTable on resource: arn:aws:glue:us-east-1:123456789012:table/ferry/amplitude_events_1',
    );
    expect(glue).toMatchObject({
      kind: 'access',
      fix: expect.stringContaining('glue:CreateTable'),
    });
    expect(glue.fix).not.toContain('s3:PutObject');
    const s3 = denied('User: x is not authorized to perform: s3:PutObject on resource: y');
    expect(s3.fix).toContain('s3:PutObject');
  });
});

describe('classifyError of a destination folder', () => {
  const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('fails a read-only disk at once (config), and retries a refused permission (access)', () => {
    const readOnly = errno('EROFS', "EROFS: read-only file system, mkdir '/mnt/usb/out/x'");
    expect(classifyError(readOnly)).toEqual({
      kind: 'config',
      code: 'EROFS',
      message: "Read-only disk: EROFS: read-only file system, mkdir '/mnt/usb/out/x'",
      fix: 'The destination folder is on a disk mounted read-only: mount it writable, or choose another folder.',
    });
    expect(classifyError(errno('EACCES', 'EACCES: permission denied, open'))).toMatchObject({
      kind: 'access',
      code: 'EACCES',
      fix: 'Let Ferry write to the destination folder, or choose another one.',
    });
  });

  it('stops at a destination folder that is not there (a disk not mounted): not retried', () => {
    expect(classifyError(new DestinationFolderMissing('/mnt/usb/out'))).toEqual({
      kind: 'config',
      code: 'folder-missing',
      message: `There is no folder /mnt/usb/out on ${hostname()}.`,
      fix: 'If it is on a disk or a network share, mount it; if it was moved or removed, make it again or choose another folder in the connection. (Ferry makes it when the connection is saved, never during an export: nothing goes to the disk under a missing mount.)',
    });
  });
});

describe('historyWriteError', () => {
  it('sends a full data folder to free space, and an unanswering database to PostgreSQL', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      path: '/data/history.json',
    });
    expect(historyWriteError(full).message).toBe(
      'Ferry could not write its job history (the disk is full: /data/history.json). Free space on that disk, then run the export again.',
    );
    // Not every refusal is a full disk: each is sent to its own fix, never to free space.
    for (const [code, said] of [
      [
        'EACCES',
        "permission denied: /data/jobs/2026-12.jsonl). Let Ferry's user write there, then",
      ],
      ['EROFS', 'the disk is read-only: /data/jobs/2026-12.jsonl). Mount it writable or choose'],
      ['EIO', 'input/output error: /data/jobs/2026-12.jsonl). Check the disk, then'],
    ]) {
      const refused = Object.assign(new Error(`${code}: refused, open`), {
        code,
        path: '/data/jobs/2026-12.jsonl',
      });
      const message = historyWriteError(refused).message;
      expect(message, code).toContain(said);
      expect(message, code).not.toMatch(/Free space|disk is full/);
    }
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const said = historyWriteError(down).message;
    expect(said).toMatch(/to its database \(connect ECONNREFUSED 127\.0\.0\.1:5432\)/);
    expect(said).toMatch(/Check that PostgreSQL answers/);
    expect(said).not.toMatch(/Free space|data folder/);
    // PostgreSQL's own error (a pg DatabaseError has a five-character code, no path).
    const shutdown = Object.assign(new Error('terminating connection'), { code: '57P01' });
    expect(historyWriteError(shutdown).message).toMatch(/to its database/);
  });
});
