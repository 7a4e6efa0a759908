import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Integration tests start processes and servers; two cores serve two files at a time.
    maxWorkers: 2,
  },
});
