import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one closing line `<tier>: N passed, N failed, N skipped` so that CI logs (and people)
 * get the count in a plain, tool-independent form.
 */
export class SummaryReporter implements Reporter {
  constructor(private readonly tier: string) {}

  onTestRunEnd(testModules: readonly TestModule[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
    }
    process.stdout.write(
      `\n${this.tier}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`,
    );
  }
}
