import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.js';

// Engine tier: *.docker.test.ts against a real dockerd (and registry). They skip with a reason
// when no engine answers and fail when it answers but is broken. Run one file at a time: they
// share one engine and 2 cores.
export default defineConfig({
  test: {
    include: ['src/**/*.docker.test.ts', 'test/**/*.docker.test.ts'],
    reporters: ['default', new SummaryReporter('docker')],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
