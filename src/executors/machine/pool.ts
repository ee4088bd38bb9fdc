import { cronFieldsAt, cronMatches } from './cron-match.js';

/**
 * The VM pool of the docker+machine executor as a pure state machine (GitLab Runner's
 * executors/docker/machine semantics, shared/reference/gitlab-runner.md §1.8 and §6). It holds
 * no I/O: events come in (tick, acquire, created, released …) and commands come out (create or
 * remove a VM); pool-runner.ts carries the commands out against a VmDriver.
 */
export type MachineState = 'creating' | 'idle' | 'acquired' | 'used' | 'removing';

/** A time source; tests pass a fake one. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

export interface IdleSettings {
  readonly idleCount: number;
  readonly idleCountMin: number;
  readonly idleScaleFactor: number;
  readonly idleTimeSeconds: number;
}

export interface AutoscalingPeriod extends IdleSettings {
  readonly periods: readonly string[];
  /** IANA zone; host local when undefined. */
  readonly timezone?: string;
}

export interface PoolConfig extends IdleSettings {
  readonly maxBuilds: number;
  readonly maxGrowthRate: number;
  /** `[[runners]] limit`: most VMs at once; 0 is unlimited. */
  readonly limit: number;
  readonly autoscaling: readonly AutoscalingPeriod[];
  /** `MachineName`, must contain `%s`. */
  readonly machineName: string;
  /** The runner's short token (9 characters), lowercased into VM names. */
  readonly shortToken: string;
}

export interface PoolMachine {
  readonly name: string;
  readonly state: MachineState;
  readonly usedCount: number;
  /** When it was created, last released, or entered its current state. */
  readonly since: number;
  /** Created on demand for a job (goes to `acquired`, never `idle`, when ready). */
  readonly forJob: boolean;
  readonly removeAttempts: number;
}

export type PoolCommand =
  | { readonly kind: 'create'; readonly name: string }
  | { readonly kind: 'remove'; readonly name: string; readonly reason: string };

export type RemoveCommand = Extract<PoolCommand, { readonly kind: 'remove' }>;

export type AcquireResult =
  | { readonly kind: 'acquired'; readonly name: string }
  /** IdleCount is 0: ask for a job, then `createForJob` when one comes. */
  | { readonly kind: 'on-demand' }
  /** Do not ask for a job now. */
  | { readonly kind: 'none'; readonly reason: string };

export const MAX_REMOVAL_ATTEMPTS = 30;

/** The final VM name: `runner-<short token>-<MachineName with %s → id>`, as GitLab does. */
export function machineNameFor(
  config: Pick<PoolConfig, 'machineName' | 'shortToken'>,
  id: string,
): string {
  return `runner-${config.shortToken.toLowerCase()}-${config.machineName.replace('%s', id)}`;
}

/** The idle settings in force at `now`: the last matching autoscaling period wins. */
export function activeIdleSettings(config: PoolConfig, now: number): IdleSettings {
  let active: IdleSettings = config;
  for (const period of config.autoscaling) {
    const at = cronFieldsAt(now, period.timezone);
    if (period.periods.some((expression) => cronMatches(expression, at))) active = period;
  }
  return active;
}

/** Idle VMs wanted given how many are in use (IdleScaleFactor), capped and floored. */
export function desiredIdle(settings: IdleSettings, inUse: number): number {
  if (settings.idleScaleFactor <= 0) return settings.idleCount;
  const floor = Math.max(1, settings.idleCountMin);
  return Math.min(
    settings.idleCount,
    Math.max(floor, Math.floor(inUse * settings.idleScaleFactor)),
  );
}

export class MachinePool {
  private readonly machines = new Map<string, PoolMachine>();

  /** `nextId` gives the unique part of names (`<unix-ts>-<8 hex>` in production). */
  constructor(
    private readonly config: PoolConfig,
    private readonly clock: Clock,
    private readonly nextId: () => string,
  ) {
    if (!config.machineName.includes('%s')) throw new Error('MachineName must contain %s');
  }

  /** A copy of every machine's state, for display and tests. */
  snapshot(): PoolMachine[] {
    return [...this.machines.values()];
  }

  count(state: MachineState): number {
    return [...this.machines.values()].filter((m) => m.state === state).length;
  }

  /** Acquired + creating + idle: VMs that can take a job soon (GitLab's "available"). */
  private available(): number {
    return this.count('idle') + this.count('creating') + this.count('acquired');
  }

  private canCreate(): boolean {
    if (this.config.limit > 0 && this.machines.size >= this.config.limit) return false;
    if (this.config.maxGrowthRate > 0 && this.count('creating') >= this.config.maxGrowthRate)
      return false;
    return true;
  }

  private set(name: string, changes: Partial<PoolMachine>): void {
    const machine = this.machines.get(name);
    if (machine !== undefined) this.machines.set(name, { ...machine, ...changes });
  }

  private startRemoval(name: string, reason: string): RemoveCommand {
    this.set(name, { state: 'removing', since: this.clock.now() });
    return { kind: 'remove', name, reason };
  }

  private newMachine(forJob: boolean): PoolCommand {
    const name = machineNameFor(this.config, this.nextId());
    this.machines.set(name, {
      name,
      state: 'creating',
      usedCount: 0,
      since: this.clock.now(),
      forJob,
      removeAttempts: 0,
    });
    return { kind: 'create', name };
  }

  /**
   * VMs found at startup (left by an earlier run) are idle but dirty: UsedCount 1, so that
   * MaxBuilds = 1 never reuses them.
   */
  adopt(names: readonly string[]): void {
    for (const name of names) {
      if (!this.machines.has(name)) {
        this.machines.set(name, {
          name,
          state: 'idle',
          usedCount: 1,
          since: this.clock.now(),
          forJob: false,
          removeAttempts: 0,
        });
      }
    }
  }

  /** Periodic upkeep: removals (MaxBuilds, limit, IdleTime) first, then idle pre-creation. */
  tick(): PoolCommand[] {
    const commands: PoolCommand[] = [];
    const now = this.clock.now();
    const settings = activeIdleSettings(this.config, now);
    const idle = [...this.machines.values()]
      .filter((m) => m.state === 'idle')
      .sort((a, b) => a.since - b.since);
    for (const machine of idle) {
      const reason = this.removalReason(machine, settings, now);
      if (reason !== undefined) commands.push(this.startRemoval(machine.name, reason));
    }
    commands.push(...this.removalRetries(commands));
    while (this.available() < desiredIdle(settings, this.count('used')) && this.canCreate()) {
      commands.push(this.newMachine(false));
    }
    return commands;
  }

  /** Why an idle VM should go now (GitLab's order: builds, limit, idle time), if it should. */
  private removalReason(
    machine: PoolMachine,
    settings: IdleSettings,
    now: number,
  ): string | undefined {
    if (this.config.maxBuilds > 0 && machine.usedCount >= this.config.maxBuilds)
      return 'too many builds';
    if (this.config.limit > 0 && this.liveCount() > this.config.limit) return 'too many machines';
    const want = desiredIdle(settings, this.count('used'));
    if (now - machine.since >= settings.idleTimeSeconds * 1000 && this.available() > want) {
      return 'too many idle machines';
    }
    return undefined;
  }

  /** A failed removal is retried on later ticks, up to MaxRemovalAttempts. */
  private removalRetries(already: readonly PoolCommand[]): PoolCommand[] {
    return [...this.machines.values()]
      .filter(
        (m) =>
          m.state === 'removing' && m.removeAttempts > 0 && !already.some((c) => c.name === m.name),
      )
      .map((m) => ({ kind: 'remove', name: m.name, reason: 'retry' }));
  }

  /** Machines not being removed. */
  private liveCount(): number {
    return this.machines.size - this.count('removing');
  }

  /**
   * Before asking for a job: take an idle VM (it becomes `acquired`). With IdleCount 0 the job
   * may be asked for and its VM created on demand; otherwise no idle VM means no job request.
   */
  acquire(): AcquireResult {
    const idle = [...this.machines.values()]
      .filter(
        (m) =>
          m.state === 'idle' &&
          !(this.config.maxBuilds > 0 && m.usedCount >= this.config.maxBuilds),
      )
      .sort((a, b) => a.since - b.since)[0];
    if (idle !== undefined) {
      this.set(idle.name, { state: 'acquired', since: this.clock.now() });
      return { kind: 'acquired', name: idle.name };
    }
    const settings = activeIdleSettings(this.config, this.clock.now());
    if (settings.idleCount > 0)
      return { kind: 'none', reason: 'no free machines that can process builds' };
    if (this.config.limit > 0 && this.liveCount() >= this.config.limit) {
      return { kind: 'none', reason: 'the machine limit is reached' };
    }
    return { kind: 'on-demand' };
  }

  /** A job came and IdleCount is 0: create its VM (it becomes `acquired` once created). */
  createForJob(): PoolCommand | undefined {
    if (this.config.limit > 0 && this.liveCount() >= this.config.limit) return undefined;
    return this.newMachine(true);
  }

  /** The VM is ready: idle, or acquired when it was made for a job. */
  created(name: string): void {
    const machine = this.machines.get(name);
    if (machine?.state !== 'creating') return;
    this.set(name, { state: machine.forJob ? 'acquired' : 'idle', since: this.clock.now() });
  }

  /** Creating failed: the VM is removed (whatever part of it exists). */
  createFailed(name: string): RemoveCommand | undefined {
    if (this.machines.get(name)?.state !== 'creating') return undefined;
    return this.startRemoval(name, 'creation failed');
  }

  /** The job starts on an acquired VM. */
  use(name: string): void {
    if (this.machines.get(name)?.state === 'acquired')
      this.set(name, { state: 'used', since: this.clock.now() });
  }

  /**
   * The job is done (`used`), or no job came for an acquired VM. A used VM counts one more
   * build and is removed at MaxBuilds ("too many builds"), else it goes back to idle.
   */
  release(name: string): PoolCommand | undefined {
    const machine = this.machines.get(name);
    if (machine === undefined) return undefined;
    if (machine.state === 'acquired') {
      this.set(name, { state: 'idle', since: this.clock.now() });
      return undefined;
    }
    if (machine.state !== 'used') return undefined;
    const usedCount = machine.usedCount + 1;
    this.set(name, { usedCount });
    if (this.config.maxBuilds > 0 && usedCount >= this.config.maxBuilds)
      return this.startRemoval(name, 'too many builds');
    this.set(name, { state: 'idle', since: this.clock.now() });
    return undefined;
  }

  /**
   * Removes a VM whatever its state (shutdown of a pool that does not outlive its process).
   * Undefined when the pool does not know it or already removes it.
   */
  forceRemove(name: string): RemoveCommand | undefined {
    const machine = this.machines.get(name);
    if (machine === undefined || machine.state === 'removing') return undefined;
    return this.startRemoval(name, 'shutdown');
  }

  removed(name: string): void {
    this.machines.delete(name);
  }

  /** Removal failed: retried on later ticks; after MaxRemovalAttempts the VM is forgotten. */
  removeFailed(name: string): void {
    const machine = this.machines.get(name);
    if (machine === undefined) return;
    const removeAttempts = machine.removeAttempts + 1;
    if (removeAttempts >= MAX_REMOVAL_ATTEMPTS) this.machines.delete(name);
    else this.set(name, { removeAttempts });
  }
}
