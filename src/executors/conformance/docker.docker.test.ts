import { describeWithEngine } from '../../../test/support/docker.js';
import { DockerExecutorProvider } from '../docker/provider.js';
import { defaultDockerSettings } from '../docker/settings.js';
import { conformanceScenarios } from './scenarios.js';

describeWithEngine('conformance: docker executor', (engine) => {
  conformanceScenarios({
    provider: () =>
      new DockerExecutorProvider(engine, {
        ...defaultDockerSettings('busybox:latest'),
        pull_policy: ['if-not-present'],
        // The job shell is PID 1 and ignores SIGTERM: a short grace keeps the cancel prompt.
        stopGraceSeconds: 1,
      }),
    buildsDir: () => '/builds',
    disposable: true,
    job: { image: { name: 'busybox:latest' } },
  });
});
