import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.js';

// Pure tier: *.test.ts that are not engine or VM tests. Runs anywhere in seconds.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: [
      '**/*.docker.test.ts',
      '**/*.vm.test.ts',
      '**/*.browser.test.ts',
      'node_modules/**',
      'dist/**',
    ],
    reporters: ['default', new SummaryReporter('unit')],
    testTimeout: 20_000,
  },
});
