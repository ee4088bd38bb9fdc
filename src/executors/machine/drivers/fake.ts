import { EnvironmentError } from '../../../core/errors.js';
import type { EngineEndpoint } from '../../../engine/endpoint.js';
import type { CreateVmOptions, StartVmOptions, VmDriver, VmInfo } from '../driver.js';

/**
 * A scripted outcome for the next call of one method: succeed, fail with this message, or (for
 * `start`) hang like a VM that never boots until the call's signal aborts.
 */
export type FakeOutcome = 'ok' | 'hang' | { readonly fail: string };

interface FakeVm {
  info: VmInfo;
  port: number;
}

/**
 * An in-memory VmDriver for unit tests. Outcomes are scripted explicitly per method (`script`)
 * and default to success; every call is recorded in `calls`. Not for production: it is only
 * registered by tests.
 */
export class FakeVmDriver implements VmDriver {
  readonly name = 'fake';
  readonly calls: string[] = [];
  private readonly vms = new Map<string, FakeVm>();
  private readonly queued: Record<'create' | 'start' | 'remove', FakeOutcome[]> = {
    create: [],
    start: [],
    remove: [],
  };
  private nextPort = 40000;

  constructor(private readonly ownerPid = 1) {}

  /** Queues outcomes for the next calls of `method`, in order. */
  script(method: 'create' | 'start' | 'remove', ...outcomes: FakeOutcome[]): this {
    this.queued[method].push(...outcomes);
    return this;
  }

  /** Puts a VM in place as if a crashed run with owner `ownerPid` had left it. */
  plant(name: string, ownerPid: number, running = true): void {
    this.vms.set(name, {
      info: {
        name,
        status: running ? 'running' : 'stopped',
        labels: {},
        createdAt: new Date(0),
        ownerPid,
        engine: undefined,
      },
      port: this.nextPort++,
    });
  }

  private outcome(method: 'create' | 'start' | 'remove', name: string): FakeOutcome {
    this.calls.push(`${method} ${name}`);
    const next = this.queued[method].shift() ?? 'ok';
    if (typeof next === 'object') throw new EnvironmentError(`fake.${method}`, next.fail);
    return next;
  }

  /** Never resolves; rejects with the abort reason (after stopping the VM) once `signal` aborts. */
  private hang(name: string, signal: AbortSignal | undefined): Promise<never> {
    return new Promise((_resolve, reject) => {
      signal?.addEventListener(
        'abort',
        () => {
          void this.stop(name).then(() => reject(signal.reason as Error));
        },
        { once: true },
      );
    });
  }

  create(options: CreateVmOptions): Promise<VmInfo> {
    return Promise.resolve().then(() => {
      options.signal?.throwIfAborted();
      if (this.vms.has(options.name))
        throw new EnvironmentError('vm.exists', `${options.name} exists`);
      this.outcome('create', options.name);
      const info: VmInfo = {
        name: options.name,
        status: 'stopped',
        labels: { ...(options.labels ?? {}) },
        createdAt: new Date(0),
        ownerPid: this.ownerPid,
        engine: undefined,
      };
      this.vms.set(options.name, { info, port: this.nextPort++ });
      return info;
    });
  }

  start(name: string, options: StartVmOptions = {}): Promise<EngineEndpoint> {
    return Promise.resolve().then(() => {
      options.signal?.throwIfAborted();
      const vm = this.require(name);
      if (this.outcome('start', name) === 'hang') return this.hang(name, options.signal);
      const engine: EngineEndpoint = {
        kind: 'tcp',
        host: '127.0.0.1',
        port: vm.port,
        tlsVerify: false,
      };
      vm.info = { ...vm.info, status: 'running', engine };
      return engine;
    });
  }

  stop(name: string): Promise<void> {
    this.calls.push(`stop ${name}`);
    const vm = this.vms.get(name);
    if (vm !== undefined) vm.info = { ...vm.info, status: 'stopped', engine: undefined };
    return Promise.resolve();
  }

  remove(name: string): Promise<void> {
    return Promise.resolve().then(() => {
      this.outcome('remove', name);
      this.vms.delete(name);
    });
  }

  list(): Promise<VmInfo[]> {
    return Promise.resolve([...this.vms.values()].map((vm) => vm.info));
  }

  engine(name: string): Promise<EngineEndpoint> {
    return Promise.resolve().then(() => {
      const engine = this.require(name).info.engine;
      if (engine === undefined) throw new EnvironmentError('vm.stopped', `${name} is not running`);
      return engine;
    });
  }

  async removeOrphans(): Promise<string[]> {
    const orphans = [...this.vms.values()]
      .filter((vm) => vm.info.ownerPid !== this.ownerPid)
      .map((vm) => vm.info.name);
    for (const name of orphans) await this.remove(name);
    return orphans;
  }

  private require(name: string): FakeVm {
    const vm = this.vms.get(name);
    if (vm === undefined) throw new EnvironmentError('vm.unknown', `no VM named ${name}`);
    return vm;
  }
}
