import { LABELS } from '../core/labels.js';
import type { ManagedResource } from './container-types.js';
import type { Engine } from './engine.js';
import { processIsAlive } from './process-alive.js';

export interface SweepOptions {
  /** The current process's session id: its resources are never swept. */
  readonly currentSession: string;
  /** Whether a PID is a live process on this host. Defaults to `process.kill(pid, 0)`. */
  readonly isAlive?: (pid: number) => boolean;
}

export interface SweepResult {
  readonly removed: readonly ManagedResource[];
  readonly failed: readonly { readonly resource: ManagedResource; readonly error: unknown }[];
}

/**
 * Pure decision: is this resource an orphan of a dead session? Only resources that carry a
 * session label are candidates, so long-lived resources created without one — the registry
 * (`component=registry`), per-project cache volumes — are never touched.
 */
export function isOrphan(
  resource: ManagedResource,
  currentSession: string,
  isAlive: (pid: number) => boolean,
): boolean {
  const labels = resource.labels;
  if (labels[LABELS.managed] !== 'true') return false;
  if (labels[LABELS.component] === 'registry') return false;
  const session = labels[LABELS.session];
  if (session === undefined || session === '' || session === currentSession) return false;
  const pid = labels[LABELS.pid];
  // A session whose creating process still runs belongs to another live dockhand: keep it.
  return pid === undefined || !isAlive(Number(pid));
}

const ORDER: Record<ManagedResource['kind'], number> = { container: 0, network: 1, volume: 2 };

/**
 * Removes containers, then networks, then volumes left behind by dockhand processes that are
 * gone (crash, kill -9). Blocks until done; idempotent; never throws for a single resource (its
 * error is reported in `failed`).
 */
export async function sweepOrphans(engine: Engine, options: SweepOptions): Promise<SweepResult> {
  const isAlive = options.isAlive ?? processIsAlive;
  const all = await engine.listByLabels([`${LABELS.managed}=true`]);
  const orphans = all
    .filter((resource) => isOrphan(resource, options.currentSession, isAlive))
    .sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  const removed: ManagedResource[] = [];
  const failed: { resource: ManagedResource; error: unknown }[] = [];
  // Kinds in order (volumes can only go once their containers are gone); within a kind, in
  // parallel.
  for (const kind of ['container', 'network', 'volume'] as const) {
    const batch = orphans.filter((resource) => resource.kind === kind);
    await Promise.all(
      batch.map(async (resource) => {
        try {
          await removeResource(engine, resource);
          removed.push(resource);
        } catch (error) {
          failed.push({ resource, error });
        }
      }),
    );
  }
  return { removed, failed };
}

export function removeResource(engine: Engine, resource: ManagedResource): Promise<void> {
  switch (resource.kind) {
    case 'container':
      return engine.removeContainer(resource.id);
    case 'network':
      return engine.removeNetwork(resource.id);
    case 'volume':
      return engine.removeVolume(resource.id);
  }
}
