import type { DockerSettings, MachineSettings, RunnerConfig, RunnerSection } from './types.js';

/** Plain-text summary lines of what dockhand understood, for `dockhand config check`. */
const list = (items: readonly string[], none: string): string =>
  items.length === 0 ? none : items.join(', ');

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

function volumeLine(docker: DockerSettings): string {
  const volumes = docker.volumes.map((v) =>
    v.kind === 'cache'
      ? `${v.target} (cache)`
      : `${v.source ?? ''} -> ${v.target}${v.readOnly ? ' (read-only)' : ''}`,
  );
  return `volumes: ${list(volumes, 'none')}`;
}

function entrypointLine(docker: DockerSettings): string {
  switch (docker.disableEntrypointOverwriteSource) {
    case 'secure-default':
      return 'entrypoint overrides: disabled (dockhand secure default: allowed_images is set and disable_entrypoint_overwrite is not)';
    case 'explicit':
      return `entrypoint overrides: ${docker.disableEntrypointOverwrite ? 'disabled' : 'allowed'} (disable_entrypoint_overwrite = ${String(docker.disableEntrypointOverwrite)})`;
    case 'default':
      return 'entrypoint overrides: allowed (default)';
  }
}

function dockerLines(docker: DockerSettings): string[] {
  const services =
    docker.servicesPrivileged === docker.privileged
      ? ''
      : `, services ${yesNo(docker.servicesPrivileged)}`;
  return [
    `default image: ${docker.image ?? '(none)'}`,
    volumeLine(docker),
    `privileged: ${yesNo(docker.privileged)}${services}`,
    `allowed images: ${list(docker.allowedImages, 'any')}`,
    `allowed services: ${list(docker.allowedServices, 'any')}`,
    `pull policy: ${docker.pullPolicy.join(', ')} (allowed: ${docker.allowedPullPolicies.join(', ')})`,
    entrypointLine(docker),
  ];
}

function machineLines(machine: MachineSettings): string[] {
  const lines = [
    `machine pool: driver ${machine.machineDriver ?? '(default)'}, name ${machine.machineName ?? '(invalid)'}`,
    `  IdleCount ${machine.idleCount}, IdleCountMin ${machine.idleCountMin}, IdleScaleFactor ${machine.idleScaleFactor}, IdleTime ${machine.idleTime}s, MaxGrowthRate ${machine.maxGrowthRate}, MaxBuilds ${machine.maxBuilds === 0 ? 'unlimited' : machine.maxBuilds}`,
  ];
  if (machine.machineOptions.length > 0)
    lines.push(`  options: ${machine.machineOptions.join(' ')}`);
  for (const period of machine.autoscaling) {
    lines.push(
      `  autoscaling ${list(period.periods, '(no valid periods)')} (${period.timezone ?? 'local time'}): IdleCount ${period.idleCount}, IdleTime ${period.idleTime}s`,
    );
  }
  return lines;
}

function runnerLines(runner: RunnerSection): string[] {
  const title = runner.name === '' ? `runners[${runner.index}]` : `"${runner.name}"`;
  const limit = runner.limit === 0 ? 'no limit' : `limit ${runner.limit}`;
  const details = [
    `url: ${runner.url ?? '(none: local runs only)'}; token: ${runner.token === undefined ? 'not set' : 'set'}`,
    `tags: ${list(runner.tagList, '(none)')}; ${runner.runUntagged ? 'runs' : 'does not run'} untagged jobs`,
    ...(runner.docker === undefined ? [] : dockerLines(runner.docker)),
    ...(runner.machine === undefined ? [] : machineLines(runner.machine)),
  ];
  return [
    `Runner ${title} (line ${runner.position.line}): executor ${runner.executor}, ${limit}`,
    ...details.map((line) => `  ${line}`),
  ];
}

export function summarizeConfig(config: RunnerConfig): string[] {
  const lines = [
    `concurrent ${config.concurrent}, check_interval ${config.checkInterval}s, log_level ${config.logLevel}, shutdown_timeout ${config.shutdownTimeout}s`,
  ];
  if (config.runners.length === 0) lines.push('No runner dockhand can run.');
  for (const runner of config.runners) lines.push('', ...runnerLines(runner));
  return lines;
}
