import type { RunnerSection, VolumeSpec } from '../config/types.js';

/** What the audit rules ask of one runner, derived once from its typed configuration. */
export interface RunnerFacts {
  readonly runner: RunnerSection;
  /** The docker socket of the engine the jobs run on is mounted into job containers. */
  readonly socketVolume: VolumeSpec | undefined;
  /** Each job runs on a fresh VM destroyed after it (docker+machine with MaxBuilds = 1). */
  readonly disposable: boolean;
  /** docker+machine whose VMs serve several jobs. */
  readonly reusedVm: boolean;
  readonly privileged: boolean;
  readonly servicesPrivileged: boolean;
}

function isSocket(volume: VolumeSpec): boolean {
  return (
    volume.kind === 'bind' &&
    (volume.target === '/var/run/docker.sock' ||
      volume.target === '/run/docker.sock' ||
      (volume.source ?? '').endsWith('docker.sock'))
  );
}

export function runnerFacts(runner: RunnerSection): RunnerFacts {
  const machine = runner.executor === 'docker+machine';
  const maxBuilds = runner.machine?.maxBuilds ?? 0;
  return {
    runner,
    socketVolume: runner.docker?.volumes.find(isSocket),
    disposable: machine && maxBuilds === 1,
    reusedVm: machine && maxBuilds !== 1,
    privileged: runner.docker?.privileged ?? false,
    servicesPrivileged: runner.docker?.servicesPrivileged ?? false,
  };
}

/** How a runner's jobs are isolated from each other, in words for findings. */
export function isolationPhrase(facts: RunnerFacts): string {
  if (facts.disposable)
    return 'each job runs on its own VM, destroyed after the job (MaxBuilds = 1)';
  if (facts.reusedVm) {
    const max = facts.runner.machine?.maxBuilds ?? 0;
    return max === 0
      ? 'VMs are reused for any number of jobs (MaxBuilds = 0)'
      : `VMs are reused for up to ${max} jobs (MaxBuilds = ${max})`;
  }
  return 'the executor keeps running between jobs';
}
