/**
 * Driving an in-process `dockhand server` from an engine test: its admin API and pages, runners
 * registered over the runner API, and `dockhand run` daemons of the built CLI with their output
 * kept for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCoordinatorClient } from '../../src/api/coordinator-client.js';
import { LABELS } from '../../src/core/labels.js';
import type { RunningServer } from '../../src/coordinator/server.js';
import { ROOT } from './exec-cli.js';
import { pushCommit } from './git-push.js';
import { dockerAsync } from './token-registry.js';

export interface JobView {
  id: number;
  name: string;
  status: string;
  runner_id: number | null;
  failure_reason: string | null;
}

export interface Daemon {
  readonly child: ChildProcess;
  log(): string;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export class CoordinatorHarness {
  readonly daemons = new Map<string, Daemon>();
  private readonly admin: string;

  /** `dir`: where runner configs are written and daemons run (their HOME). */
  constructor(
    readonly server: RunningServer,
    private readonly dir: string,
  ) {
    this.admin = readFileSync(server.files.adminToken, 'utf8').trim();
  }

  async api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(new URL(`/api/dockhand/v1${path}`, this.server.url), {
      ...init,
      headers: { Authorization: `Bearer ${this.admin}`, 'Content-Type': 'application/json' },
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    const type = response.headers.get('Content-Type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as T;
  }

  /** An HTML page of the web UI, as a browser gets it (no credentials). */
  async page(path: string): Promise<string> {
    return (await fetch(new URL(path, this.server.url))).text();
  }

  /**
   * Commits `files` on `branch` of a work repository kept per project and pushes it over HTTP,
   * as a user's `git push` does; returns the pipeline the server announced.
   */
  async push(
    project: string,
    branch: string,
    files: Readonly<Record<string, string>>,
  ): Promise<{ id: number }> {
    const workDir = join(this.dir, 'work', project);
    const pushed = await pushCommit({
      url: this.server.url,
      project,
      token: this.admin,
      files,
      branch,
      workDir,
    });
    const pipeline = pushed.pipelines.find((announced) => announced.ref === branch);
    if (pushed.code !== 0 || pipeline === undefined)
      throw new Error(`git push of ${project} ${branch} started no pipeline: ${pushed.stderr}`);
    return { id: pipeline.id };
  }

  trigger(project: string, ref: string): Promise<{ id: number }> {
    return this.api(`/projects/${encodeURIComponent(project)}/pipelines`, {
      method: 'POST',
      body: JSON.stringify({ ref }),
    });
  }

  async jobsOf(pipelineId: number): Promise<JobView[]> {
    return (await this.api<{ jobs: JobView[] }>(`/pipelines/${pipelineId}`)).jobs;
  }

  /** A job's trace as the coordinator stored it. */
  trace(jobId: number): Promise<string> {
    return this.api<string>(`/jobs/${jobId}/trace`);
  }

  /** Pages must never show the admin token. */
  containsAdminToken(text: string): boolean {
    return text.includes(this.admin);
  }

  async registerRunner(name: string, tags: string): Promise<string> {
    const token = readFileSync(this.server.files.registrationToken, 'utf8').trim();
    const result = await createCoordinatorClient({ url: this.server.url }).register({
      token,
      description: name,
      tag_list: tags,
      run_untagged: false,
    });
    if (result.kind !== 'registered') throw new Error(`registration of ${name}: ${result.kind}`);
    return result.token;
  }

  /** Starts `dockhand run` on `config` (a whole config.toml, written 0600). */
  startDaemon(name: string, config: string): Daemon {
    const file = join(this.dir, `${name}.toml`);
    writeFileSync(file, config, { mode: 0o600 });
    const child = spawn('node', [join(ROOT, 'bin', 'dockhand.js'), 'run', '--config', file], {
      cwd: this.dir,
      env: { ...process.env, NO_COLOR: '1', HOME: this.dir, CONFIG_FILE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const daemon = { child, log: () => output };
    this.daemons.set(name, daemon);
    return daemon;
  }

  /** Kills the daemons still running and removes what their jobs left behind. */
  async stopDaemons(): Promise<void> {
    for (const { child } of this.daemons.values()) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await removeLeftovers(child.pid);
    }
  }
}

/** Whatever a daemon's jobs left behind (a SIGKILLed daemon cleans nothing up). */
export async function removeLeftovers(pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  const filter = `label=${LABELS.pid}=${pid}`;
  const ids = (await dockerAsync(['ps', '-aq', '--filter', filter])).output.split('\n');
  const present = ids.filter((id) => id !== '');
  if (present.length > 0) await dockerAsync(['rm', '-f', '-v', ...present]);
  await dockerAsync(['network', 'prune', '-f', '--filter', filter]);
  // `volume prune` skips named volumes on engines ≥ 23, and kept builds volumes are named.
  const volumes = (await dockerAsync(['volume', 'ls', '-q', '--filter', filter])).output.split(
    '\n',
  );
  const named = volumes.filter((name) => name !== '');
  if (named.length > 0) await dockerAsync(['volume', 'rm', '-f', ...named]);
}
