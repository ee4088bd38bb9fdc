import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.js';

// Browser tier: *.browser.test.ts drive pages in headless Chromium (Debian's package through
// playwright-core). They skip with a reason when /usr/bin/chromium is missing.
export default defineConfig({
  test: {
    include: ['src/**/*.browser.test.ts', 'test/**/*.browser.test.ts'],
    reporters: ['default', new SummaryReporter('browser')],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
