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
    expect(errorCodeWords('source-missing', 'transient')).toBe(
      'a source file went away (source-missing)',
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
