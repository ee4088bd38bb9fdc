import type { Command } from '../command.js';

/**
 * A command as the top-level help and dispatch see it. The implementation is imported only when
 * the command runs: loading every command (and with them the engine client, the YAML and TOML
 * parsers, the coordinator) costs a third of a second, which `dockhand exec` of a one-line job cannot
 * afford. A unit test checks that each entry's name and summary match its command.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

/** Every command, registered explicitly (no self-registration on import). */
export const commands: readonly CommandEntry[] = [
  {
    name: 'exec',
    summary: 'run .gitlab-ci.yml jobs locally, as a GitLab runner would',
    load: async () => (await import('./exec.js')).execCommand,
  },
  {
    name: 'lint',
    summary: 'check .gitlab-ci.yml the way GitLab reads it',
    load: async () => (await import('./lint.js')).lintCommand,
  },
  {
    name: 'config check',
    summary: 'check a config.toml and show what dockhand understood',
    load: async () => (await import('./config-check.js')).configCheckCommand(),
  },
  {
    name: 'audit',
    summary: 'explain the security risks of a runner configuration',
    load: async () => (await import('./audit.js')).auditCommand,
  },
  {
    name: 'images seed',
    summary: 'build the base images (busybox, debian, docker, docker:dind) offline',
    load: async () => (await import('./images-seed.js')).imagesSeedCommand,
  },
  {
    name: 'machines image',
    summary: 'build the docker+machine VM image (and its saved running VM) offline',
    load: async () => (await import('./machines-image.js')).machinesImageCommand,
  },
  {
    name: 'machines ls',
    summary: 'list the docker+machine VMs on this host (QEMU driver)',
    load: async () => (await import('./machines-manage.js')).machinesLsCommand,
  },
  {
    name: 'machines rm',
    summary: 'remove docker+machine VMs (process, overlay, state)',
    load: async () => (await import('./machines-manage.js')).machinesRmCommand,
  },
  {
    name: 'register',
    summary: 'register a runner with a coordinator and add it to config.toml',
    load: async () => (await import('./register.js')).registerCommand,
  },
  {
    name: 'verify',
    summary: 'check the tokens of the runners in config.toml with their coordinators',
    load: async () => (await import('./register.js')).verifyCommand,
  },
  {
    name: 'unregister',
    summary: 'remove a runner from its coordinator and from config.toml',
    load: async () => (await import('./register.js')).unregisterCommand,
  },
  {
    name: 'list',
    summary: 'list the runners of config.toml (without their tokens)',
    load: async () => (await import('./register.js')).listCommand,
  },
  {
    name: 'run',
    summary: 'run the runner daemon: ask coordinators for jobs and run them',
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: 'server',
    summary: 'run the coordinator: runner API, job queue and artifacts for local git projects',
    load: async () => (await import('./server.js')).serverCommand,
  },
  {
    name: 'server trigger',
    summary: 'start a pipeline for a project on a running dockhand server',
    load: async () => (await import('./server.js')).serverTriggerCommand,
  },
];
