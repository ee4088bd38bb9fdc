import { describeWithEngine } from '../support/docker.js';
import { localPipelineScenarios } from './local-pipelines.scenarios.js';

// The same fixtures on the docker executor (busybox:latest, present locally). retry-timeout's
// flaky job keeps its count beside the project directory, which only the shell executor keeps
// between attempts; rules and artifact expiry are executor-independent. Those run on the shell
// executor only.
describeWithEngine('local pipelines on the docker executor', () => {
  localPipelineScenarios('docker', [
    'dag',
    'artifacts-cache',
    'failures-manual',
    'matrix',
    'dotenv',
  ]);
});
