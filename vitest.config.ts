import { defineConfig } from 'vitest/config';

// Four suites, each its own script: unit (pure logic, seconds), integration (a real
// S3-compatible server, the built CLI), faults (kills, cancels, full disks, lost locks — every
// fault then checked against the destination and the history) and packaging (what
// electron-builder packs into the desktop app). `npm test` runs all.
export default defineConfig({
  test: {
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The AWS SDK's notice that it will need Node 22 in 2027 is not a test failure.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // A deprecation is a failure: a FileHandle closed by the garbage collector (DEP0137)
          // is a handle some code left open.
          execArgv: ['--throw-deprecation'],
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          // Each file runs processes that export real hours: one file at a time.
          fileParallelism: false,
          testTimeout: 240_000,
        },
      },
      {
        extends: true,
        // electron-builder over the built app, against a placeholder Electron runtime.
        test: { name: 'packaging', include: ['test/packaging/**/*.test.ts'] },
      },
    ],
  },
});
