import { describe, expect, it } from 'vitest';
import { errorCodeWords, jobStatusWords } from '../../../shared/model/words';

describe('the words for a job error', () => {
  it('names a known code in words, with the code beside them for a search', () => {
    expect(errorCodeWords('NoSuchBucket')).toBe('the bucket does not exist (NoSuchBucket)');
    expect(errorCodeWords('unreadable-answer')).toBe(
      'an answer that is not from AWS (unreadable-answer)',
    );
  });

  it("says a source's `credentials` are the project's Amplitude keys, not AWS credentials", () => {
    expect(errorCodeWords('credentials', 'source')).toBe(
      "the project's Amplitude keys are missing or refused (credentials)",
    );
    expect(errorCodeWords('credentials', 'access')).toBe('no AWS credentials (credentials)');
    // The replace rule's refusal of an Amplitude answer is the source's, not AWS's.
    expect(errorCodeWords('unreadable-answer', 'source')).toBe(
      'an answer with no readable line (unreadable-answer)',
    );
    expect(errorCodeWords('source-missing', 'transient')).toBe(
      'a source file went away (source-missing)',
    );
  });

  it('names the folders an export found missing or closed, with what to suspect', () => {
    expect(errorCodeWords('folder-missing', 'config')).toBe(
      'the destination folder is not there (a disk not mounted?) (folder-missing)',
    );
    expect(errorCodeWords('source-empty', 'source')).toBe(
      'a source folder with no event files (a disk not mounted?) (source-empty)',
    );
    expect(errorCodeWords('source-unreadable', 'source')).toBe(
      'a source file or folder Ferry may not read (source-unreadable)',
    );
    expect(errorCodeWords('source-not-events', 'source')).toBe(
      'a source file with no event Ferry can read (source-not-events)',
    );
  });

  it('shows a permission or an unknown code as it is', () => {
    expect(errorCodeWords('s3:PutObject')).toBe('s3:PutObject');
    expect(errorCodeWords('SomethingNew')).toBe('SomethingNew');
  });

  it('says a failure by its kind, never "setting error"', () => {
    const failed = jobStatusWords({
      status: 'failed',
      error: { kind: 'config', code: 'NoSuchBucket', message: '', fix: null },
    });
    expect(failed).toBe('Failed (configuration problem)');
  });
});
