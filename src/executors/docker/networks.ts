import type { Engine } from '../../engine/engine.js';

/**
 * Where the job's containers are connected.
 *
 * - `network_mode` set: that network as-is (`bridge`, `host`, `none` or an existing name), as
 *   GitLab Runner does; no per-job network.
 * - otherwise, with services: a per-job user-defined bridge (`<base>-network`). Safe by default:
 *   services are reachable by alias from the job and from each other, and from no other job
 *   (GitLab's opt-in FF_NETWORK_PER_BUILD, here the default; on GitLab's legacy default bridge
 *   every job's services share bridge0, security issue #4430).
 * - otherwise, without services: Docker's default bridge. A job alone has nobody to talk to on a
 *   network of its own; skipping it saves a network create/remove per job (the `dockhand exec`
 *   speed target), and nothing of another job can address it by name on the default bridge.
 */
export type NetworkPlan =
  | { readonly kind: 'configured'; readonly name: string }
  | { readonly kind: 'per-job'; readonly name: string }
  | { readonly kind: 'default' };

export function planNetwork(
  networkMode: string | undefined,
  hasServices: boolean,
  base: string,
): NetworkPlan {
  if (networkMode !== undefined && networkMode !== '')
    return { kind: 'configured', name: networkMode };
  if (hasServices) return { kind: 'per-job', name: `${base}-network` };
  return { kind: 'default' };
}

/** The `--network` value for containers, or undefined for Docker's default. */
export function networkName(plan: NetworkPlan): string | undefined {
  return plan.kind === 'default' ? undefined : plan.name;
}

/**
 * Whether containers get DNS aliases on the network: only user-defined networks resolve them.
 * On `bridge`, services are reached through `extra_hosts` entries instead (GitLab 18.7+).
 */
export function supportsAliases(plan: NetworkPlan): boolean {
  if (plan.kind === 'per-job') return true;
  if (plan.kind === 'default') return false;
  return (
    !['bridge', 'host', 'none', 'default'].includes(plan.name) &&
    !plan.name.startsWith('container:')
  );
}

/** Creates the per-job network if the plan has one; returns its id. */
export async function createJobNetwork(
  engine: Engine,
  plan: NetworkPlan,
  labels: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  if (plan.kind !== 'per-job') return undefined;
  return engine.createNetwork({ name: plan.name, labels });
}
