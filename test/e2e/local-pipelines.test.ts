import { describe } from 'vitest';
import { localPipelineScenarios } from './local-pipelines.scenarios.js';

// The shell executor needs only bash and git: these run in the pure tier.
describe('local pipelines on the shell executor', () => {
  localPipelineScenarios('shell', [
    'dag',
    'rules',
    'retry-timeout',
    'artifacts-cache',
    'failures-manual',
    'matrix',
    'dotenv',
    'expire-in',
  ]);
});
