import { join } from 'node:path';
import { describe } from 'vitest';
import { ShellExecutorProvider } from '../shell/provider.js';
import { conformanceScenarios } from './scenarios.js';

// The shell executor only needs bash (or sh) and git: pure tier.
describe('conformance: shell executor', () => {
  conformanceScenarios({
    provider: () => new ShellExecutorProvider({ graceMs: 500 }),
    buildsDir: (work) => join(work, 'builds'),
    disposable: false,
  });
});
