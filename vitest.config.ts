import { defineConfig } from 'vitest/config';

// Files that judge no timing and print no figure a neighbour could skew: the
// unit tests, and integration tests of API shapes and CLI sessions. They run
// two at a time (the machine's two cores) before everything else. Every other
// integration file runs alone: they share one kernel and one Docker engine,
// and their verdicts (failover within 1 s, latencies, relay delays) and
// printed bring-up figures are measurements of this host.
export const SIDE_BY_SIDE = [
  'test/unit/**/*.test.ts',
  'test/integration/compute-api.test.ts',
  'test/integration/network-api.test.ts',
  'test/integration/volume-api.test.ts',
  'test/integration/object-store.test.ts',
  'test/integration/openstack-cli.test.ts',
  'test/integration/dr-cli.test.ts',
  'test/integration/fault-proofs.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'side-by-side', include: SIDE_BY_SIDE, fileParallelism: true, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'one-at-a-time', include: ['test/integration/**/*.test.ts'], exclude: SIDE_BY_SIDE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
