import { describe, expect, it } from 'vitest';
import { sandboxProblem } from '../../../scripts/electron-binary.mjs';

const ELECTRON = '/work/ferry/node_modules/electron/dist/electron';
const HELPER = '/work/ferry/node_modules/electron/dist/chrome-sandbox';

describe('npm start on a Linux that restricts user namespaces', () => {
  const io = (restricted: string | null, helper: { uid: number; mode: number } | null) => ({
    platform: 'linux',
    read: () => restricted,
    stat: (path: string) => (path === HELPER ? helper : null),
  });

  it('says why Electron would abort, and the one-time fix, instead of a core dump', () => {
    const problem = sandboxProblem(ELECTRON, io('1\n', { uid: 1000, mode: 0o100755 }));
    expect(problem).toContain('restricts user namespaces (AppArmor, Ubuntu 23.10 and later)');
    expect(problem).toContain(`sudo chown root:root "${HELPER}" && sudo chmod 4755 "${HELPER}"`);
  });

  it('is quiet where Electron starts: no restriction, a SUID helper, or not Linux', () => {
    expect(sandboxProblem(ELECTRON, io('0\n', { uid: 1000, mode: 0o100755 }))).toBeNull();
    expect(sandboxProblem(ELECTRON, io(null, null))).toBeNull();
    expect(sandboxProblem(ELECTRON, io('1', { uid: 0, mode: 0o104755 }))).toBeNull();
    expect(sandboxProblem(ELECTRON, { ...io('1', null), platform: 'darwin' })).toBeNull();
  });
});
