// The unit tests alone (test/unit), with the main config's settings otherwise:
// what `make mutation` runs for every mutant. (Vitest's `--dir test/unit`
// would not do: the main config's include globs are relative to that dir.)
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/unit/**/*.test.ts'], globalSetup: [] },
});
