import { defineConfig } from 'vitest/config';

// `npm run record:histories`: records the workflow histories that test/replay/replay.test.ts replays.
// Not part of `npm test`: it runs scenarios on the time-skipping server with the same global setup as the
// integration tests (dev server, template database, workflow bundle) and writes test/replay/histories/.
export default defineConfig({
  test: {
    include: ['test/replay/record-histories.ts'],
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/integration-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
