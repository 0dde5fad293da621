import { defineConfig } from "vitest/config";

/**
 * The test suite: every *.test.ts under test/, against real Postgres and
 * NATS servers and Herald nodes run from the compiled dist/ (built once by the
 * global setup). Each file creates and drops its own database.
 *
 * Files run one at a time (fileParallelism: false), as they always have:
 * many start several nodes, NATS servers and thousands of sockets,
 * bound latencies, or kill processes, and on a 2-core machine files run side by
 * side could make those bounds and timeouts flaky. Each file runs in a child
 * process of its own (pool "forks"), and its tests run in the order written.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
  },
});
