// The unit tests alone (test/unit), with the main config's timeouts, one
// file at a time as before the main config had projects: what `make
// mutation` runs for every mutant. (Vitest's `--dir test/unit` would not do:
// the main config's projects would still bring in the integration files.)
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  test: {
    testTimeout: base.test?.testTimeout,
    hookTimeout: base.test?.hookTimeout,
    include: ['test/unit/**/*.test.ts'],
    fileParallelism: false,
  },
});
