import { defineConfig } from 'vitest/config';

// Two projects: the pure core runs in milliseconds with no services; integration tests share one
// Temporal dev server and a migrated template database started once per run by the global setup.
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          // test/support-tests: unit tests of the test tooling itself (e.g. the summary reporter).
          include: [
            'test/core/**/*.test.ts',
            'test/runtime/**/*.test.ts',
            'test/web/**/*.test.ts',
            'test/support-tests/**/*.test.ts',
            'test/architecture/**/*.test.ts',
          ],
          pool: 'forks',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          // test/replay: recorded workflow histories replayed against the global setup's workflow bundle.
          include: ['test/integration/**/*.test.ts', 'test/replay/**/*.test.ts'],
          pool: 'forks',
          globalSetup: ['test/support/global-setup.ts'],
          // Closes what a file left open (CLI processes, databases and their pools) after its own hooks.
          setupFiles: ['test/support/integration-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'browser',
          // The web app in Debian's Chromium, each file against its own `aftercare start` with the demo.
          include: ['test/browser/**/*.test.ts'],
          pool: 'forks',
          globalSetup: ['test/support/web-build-setup.ts'],
          setupFiles: ['test/support/integration-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
