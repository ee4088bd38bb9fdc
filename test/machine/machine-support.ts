import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LABELS } from '../../src/core/labels.js';
import { qemuAvailable } from '../../src/executors/machine/drivers/qemu.js';
import {
  defaultMachineCacheDir,
  vmImageIsCurrent,
  vmImagePaths,
} from '../../src/executors/machine/image/vm-image.js';
import { docker, ROOT, type Registry } from '../support/exec-cli.js';

/**
 * Helpers for the docker+machine tier: `dockhand exec` on a docker+machine runner whose VMs live
 * in a private state directory, so a test sees only its own VMs and can prove they are gone.
 */

export const CACHE_DIR = defaultMachineCacheDir(process.env);
const CLI = join(ROOT, 'bin', 'dockhand.js');

/** Why this tier cannot run here, or undefined when it can. */
export async function machineSkipReason(): Promise<string | undefined> {
  if (!(await qemuAvailable()))
    return 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86 qemu-utils)';
  if (!(await vmImageIsCurrent(vmImagePaths(CACHE_DIR))))
    return `no current VM image in ${CACHE_DIR}: run 'dockhand machines image'`;
  return undefined;
}

/** The guest's name for the host registry (the one guestfwd of the VMs). */
export const GUEST_REGISTRY = '10.0.2.100:5000';

export interface MachineConfig {
  readonly privileged: boolean;
  readonly volumes: readonly string[];
  readonly idleCount?: number;
  /** `[[runners]] environment`: the runner administrator's side (e.g. dind daemon flags). */
  readonly environment?: readonly string[];
}

/**
 * Seed setups 2 and 3 as written, except `MachineDriver = "qemu"` (VirtualBox is not here), the
 * registry forward in `MachineOptions` (this machine's registry coordinates) and `tag_list`
 * (GitLab keeps runner tags on the server; `dockhand exec` reads them from config.toml).
 */
export function machineConfig(registry: Registry, config: MachineConfig): string {
  const env =
    config.environment === undefined
      ? ''
      : `\n  environment = [${config.environment.map((e) => JSON.stringify(e)).join(', ')}]`;
  return `[[runners]]
  name = "docker-machine"
  url = "https://gitlab.example.com"
  token = "xxxxxxxx"
  executor = "docker+machine"
  tag_list = ["docker"]${env}
  [runners.docker]
    tls_verify = false
    image = "ubuntu"
    privileged = ${String(config.privileged)}
    disable_cache = false
    volumes = [${config.volumes.map((v) => JSON.stringify(v)).join(', ')}]
    shm_size = 0
  [runners.cache]
  [runners.machine]
    IdleCount = ${String(config.idleCount ?? 0)}
    MachineDriver = "qemu"
    MachineName = "%s.myrunner.yourdomain"
    MachineOptions = ["qemu-registry-forward=${registry.host}"]
    OffPeakTimezone = ""
    OffPeakIdleCount = 0
    OffPeakIdleTime = 0
    MaxBuilds = 1
`;
}

export interface MachineRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export interface MachineExecRun extends MachineRun {
  /** The dockhand process (its resources carry `dev.dockhand.pid=<pid>`). */
  readonly pid: number;
  /**
   * Containers the HOST engine created for this dockhand process during the run (its event
   * history, so created-and-removed ones count too): must be none on docker+machine.
   */
  readonly hostContainersCreated: readonly string[];
}

function cliEnv(stateRoot: string, repo: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NO_COLOR: '1',
    CONFIG_FILE: '',
    HOME: repo,
    DOCKHAND_STATE_DIR: stateRoot,
  };
}

/**
 * Runs the CLI to its end without blocking this process: a VM job takes minutes under TCG, and a
 * blocked test worker loses its connection to vitest.
 */
function runCli(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; pid: number }>(
    (resolve, reject) => {
      const child = spawn('node', [CLI, ...args], {
        env,
        ...(cwd === undefined ? {} : { cwd }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, pid: child.pid ?? 0 });
      });
    },
  );
}

/** `dockhand exec ARGS` in `repo` with VMs under `stateRoot/machines`. */
export async function machineExec(
  stateRoot: string,
  repo: string,
  args: readonly string[],
): Promise<MachineExecRun> {
  const started = Date.now();
  const r = await runCli(['exec', '--cwd', repo, ...args], cliEnv(stateRoot, repo), repo);
  const events = docker(
    'events',
    '--since',
    (started / 1000 - 1).toFixed(3),
    '--until',
    (Date.now() / 1000 + 0.05).toFixed(3),
    '--filter',
    'type=container',
    '--filter',
    'event=create',
    '--filter',
    `label=${LABELS.pid}=${r.pid}`,
    '--format',
    '{{.Actor.Attributes.name}}',
  );
  return {
    ...r,
    seconds: (Date.now() - started) / 1000,
    hostContainersCreated: events === '' ? [] : events.split('\n'),
  };
}

/** The same, started in the background (for the crash test). */
export function machineExecAsync(stateRoot: string, repo: string, args: readonly string[]) {
  return spawn('node', [CLI, 'exec', '--cwd', repo, ...args], {
    cwd: repo,
    env: cliEnv(stateRoot, repo),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `dockhand ARGS` (any command) with the same state directory. */
export async function dockhand(stateRoot: string, args: readonly string[]): Promise<MachineRun> {
  const started = Date.now();
  const r = await runCli(args, { ...process.env, NO_COLOR: '1', DOCKHAND_STATE_DIR: stateRoot });
  return { ...r, seconds: (Date.now() - started) / 1000 };
}

/** VM state directories under the private state root. */
export function vmDirs(stateRoot: string): string[] {
  const dir = join(stateRoot, 'machines');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** pid and forwarded port of a running VM, from its record. */
export function vmRecord(stateRoot: string, name: string): { pid?: number; port?: number } {
  const file = join(stateRoot, 'machines', name, 'vm.json');
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { pid?: number; port?: number })
    : {};
}

/** QEMU processes whose command line names a path under `stateRoot`. */
export function qemuProcessesUnder(stateRoot: string): string[] {
  const r = spawnSync('pgrep', ['-af', `qemu-system.*${stateRoot}`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((line) => line.trim() !== '');
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Containers on the host engine that dockhand labelled as made by process `pid`. */
export function hostContainersOf(pid: number): string[] {
  const out = docker('ps', '-aq', '--filter', `label=${LABELS.pid}=${pid}`);
  return out === '' ? [] : out.split('\n');
}
