import { defineConfig } from 'vitest/config';

// Three groups, run one after another: pure unit tests in parallel; integration and CLI tests
// in parallel; then the tests that measure the client's own timing (TTFT accuracy, dispatch lag,
// coordinated omission), one file at a time with nothing else running — on a 2-core machine any
// neighbour would add its CPU time to the very latencies they check.
const TIMING = ['test/integration/accuracy.test.ts', 'test/integration/accuracy-256.test.ts', 'test/integration/open-loop.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], maxWorkers: 2, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/deploy/**/*.test.ts'],
          exclude: TIMING,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      { extends: true, test: { name: 'timing', include: TIMING, fileParallelism: false, sequence: { groupOrder: 2 } } },
    ],
  },
});
