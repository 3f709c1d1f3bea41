import { describe, expect, it } from 'vitest';
import { MALLOC_MMAP_THRESHOLD, tunedMallocEnv } from '../../../electron/cli/malloc-tuning';

describe('glibc malloc tuned for the commands that move data', () => {
  it('starts serve, run, export, backfill and worker again with the threshold fixed', () => {
    for (const command of ['serve', 'run', 'export', 'backfill', 'worker'])
      expect(tunedMallocEnv(['--json', command, 'web'], { PATH: '/bin' }, 'linux')).toEqual({
        PATH: '/bin',
        MALLOC_MMAP_THRESHOLD_: MALLOC_MMAP_THRESHOLD,
      });
    expect(MALLOC_MMAP_THRESHOLD).toBe('1048576');
  });

  it('leaves short commands, an admin’s own value and other systems as they are', () => {
    expect(tunedMallocEnv(['connection', 'list'], {}, 'linux')).toBeNull();
    expect(tunedMallocEnv(['serve'], { MALLOC_MMAP_THRESHOLD_: '131072' }, 'linux')).toBeNull();
    expect(tunedMallocEnv(['serve'], {}, 'darwin')).toBeNull();
    expect(tunedMallocEnv(['serve'], {}, 'win32')).toBeNull();
  });
});
