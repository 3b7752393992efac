import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // On PostgreSQL (TEST_DATABASE_URL), clears schemas an interrupted run left behind.
    globalSetup: ['test/support/global-setup.ts'],
    // End-to-end files each start an app and a fake Slack on ephemeral ports; two cores run them
    // fastest a few at a time.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default'],
  },
});
