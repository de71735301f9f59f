// Mutation testing (`make mutation`): how well the unit tests pin down the
// checkers and the fault code. StrykerJS 10 needs Node >= 22; the Makefile runs
// it on the registry's node@22 package, so the project itself stays on Node 20.
// @ts-check
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  plugins: ['@stryker-mutator/vitest-runner'],
  testRunner: 'vitest',
  // Unit tests only (test/unit): the integration tests need Docker and take
  // minutes each. `related` runs only the test files that import the mutant's file.
  vitest: { configFile: 'vitest.unit.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: ['harness/checks/**/*.ts', 'harness/faults/**/*.ts'],
  // TypeScript 7 has no JS API: no typescript-checker, and no tsconfig
  // rewriting (Stryker would `import('typescript')` to parse tsconfig.json).
  // Pointing tsconfigFile at a file that does not exist switches the rewrite
  // off; vitest strips types without checking them, so no @ts-nocheck either.
  checkers: [],
  tsconfigFile: 'stryker-no-tsconfig.json',
  disableTypeChecks: false,
  concurrency: 2,
  // A full run took 31.5 min here on 2 cores (4120 mutants, 2026-12-02; about
  // 2/3 of it the ~250 static mutants, each of which reloads every related test
  // file). Incremental: the next run reuses the results of mutants whose code
  // and covering tests did not change (15 s when nothing did); `--force`
  // (make mutation STRYKER_ARGS=--force) tests everything again.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  timeoutMS: 10000,
  ignorePatterns: ['dist', 'reports', '.cache', 'docs'],
  reporters: ['clear-text', 'json', 'progress'],
  clearTextReporter: { allowColor: false, reportMutants: false, reportTests: false, logTests: false },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
};
