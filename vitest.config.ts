import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Guest images are compiled with gcc on first use; the first test that
    // needs one may wait for the compiler.
    testTimeout: 240_000, // CLI tests spawn whole runs, several at once on a 2-core box
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
