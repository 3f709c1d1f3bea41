import { readFileSync } from 'node:fs';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';

/**
 * The desktop CI and the release can not run here (no Electron runtime, no GitHub): each is
 * checked against GitHub's published workflow schema (action-validator bundles SchemaStore's),
 * and for the steps that make it what the issue asks.
 */
const read = (name: string) => readFileSync(`.github/workflows/${name}`, 'utf8');

describe('GitHub workflows', () => {
  it('validate against the workflow schema — and a broken one does not', () => {
    for (const name of ['desktop.yml', 'release.yml'])
      expect(validateWorkflow(read(name)).errors, name).toEqual([]);
    const broken = read('desktop.yml').replace('runs-on: ${{ matrix.os }}', 'runs_on: linux');
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it('run the Playwright Electron suite on Linux, macOS and Windows, from the test build', () => {
    const desktop = read('desktop.yml');
    expect(desktop).toMatch(/os: \[ubuntu-latest, macos-latest, windows-latest\]/);
    expect(desktop).toMatch(/node-version: 22/);
    expect(desktop).toContain('npm run dist -- --dir');
    expect(desktop).toMatch(/FERRY_TEST_BUILD: '1'/);
    expect(desktop).toContain(
      'dbus-run-session -- xvfb-run -a npx playwright test test/e2e/desktop.spec.ts',
    );
    expect(desktop).toContain('FERRY_ELECTRON_ARGS: --use-mock-keychain');
    expect(desktop).toMatch(/if: failure\(\)\n\s+uses: actions\/upload-artifact@v7/);
    // Electron is downloaded there: nothing skips it, and (since Electron 42 npm ci does not)
    // a step of its own gets the runtime before the suite, which would skip without one.
    expect(desktop).not.toContain('ELECTRON_SKIP_BINARY_DOWNLOAD');
    const runtime = desktop.indexOf('run: npx --no install-electron');
    expect(runtime).toBeGreaterThan(desktop.indexOf('run: npm ci'));
    expect(runtime).toBeLessThan(desktop.indexOf('npx playwright test'));
  });

  it("use GitHub's actions at majors that run on Node 24, not the retired Node 20", () => {
    // The first major of each whose action.yml says `using: node24` (read from their tags).
    const node24 = {
      'actions/checkout': 5,
      'actions/setup-node': 5,
      'actions/upload-artifact': 6,
      'actions/download-artifact': 7,
    } as Record<string, number>;
    const uses = ['desktop.yml', 'release.yml'].flatMap((name) =>
      [...read(name).matchAll(/uses: ([\w-]+\/[\w-]+)@v(\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
    );
    expect(uses.length).toBeGreaterThanOrEqual(7);
    for (const [action, major] of uses) {
      expect(node24[action as string], `${action} is not in the table`).toBeDefined();
      expect(major, `${action}@v${major}`).toBeGreaterThanOrEqual(node24[action as string]!);
    }
  });

  it('build the installers on a version tag, with their update metadata', () => {
    const release = read('release.yml');
    expect(release).toMatch(/tags: \['v\*'\]/);
    expect(release).toContain('npm run dist -- --publish never');
    expect(release).toContain('dist/latest*.yml');
    // The installed apps get a feed, and a release without update metadata fails.
    expect(release).toContain('FERRY_UPDATE_GITHUB: ${{ github.repository }}');
    expect(release).toMatch(/name: Check the update metadata[\s\S]*grep -q '\^sha512: '/);
    expect(release).toMatch(/gh release create "\$GITHUB_REF_NAME" installers\/\* --draft/);
  });
});
