import type { PullPolicy } from '../../protocol/job-spec.js';

export type PullPolicyDecision =
  | { readonly ok: true; readonly policies: readonly PullPolicy[] }
  | { readonly ok: false; readonly message: string };

export interface PullPolicyInput {
  readonly image: string;
  /** The job's `image:pull_policy` / `services:pull_policy`; empty or absent: use the runner's. */
  readonly job: readonly PullPolicy[] | undefined;
  /** `[runners.docker] pull_policy`; empty: GitLab's default `[always]`. */
  readonly runner: readonly PullPolicy[];
  /** `allowed_pull_policies`; empty: the runner's `pull_policy`. */
  readonly allowed: readonly PullPolicy[];
}

const show = (list: readonly PullPolicy[]) => `[${list.join(' ')}]`;

/**
 * The effective pull policy: the job's list (or the runner's) filtered by the allowed list, in
 * the requested order. An empty result fails the job with GitLab's message.
 */
export function effectivePullPolicy(input: PullPolicyInput): PullPolicyDecision {
  const runner: readonly PullPolicy[] = input.runner.length > 0 ? input.runner : ['always'];
  const requested = input.job !== undefined && input.job.length > 0 ? input.job : runner;
  const allowed = input.allowed.length > 0 ? input.allowed : runner;
  const policies = requested.filter((policy) => allowed.includes(policy));
  if (policies.length === 0) {
    const source =
      input.job !== undefined && input.job.length > 0 ? 'GitLab pipeline config' : 'Runner config';
    return {
      ok: false,
      message:
        `invalid pull policy for image "${input.image}": pull_policy (${show(requested)}) ` +
        `defined in ${source} is not one of the allowed_pull_policies (${show(allowed)})`,
    };
  }
  return { ok: true, policies };
}

/** The log line GitLab prints before pulling. */
export function pullPolicyLine(policies: readonly PullPolicy[], image: string): string {
  return `Using effective pull policy of ${show(policies)} for container ${image}`;
}

/** What to do for one policy given whether the image is present locally. */
export type PullStep = 'pull' | 'use-local' | 'missing';

export function stepFor(policy: PullPolicy, present: boolean): PullStep {
  switch (policy) {
    case 'always':
      return 'pull';
    case 'if-not-present':
      return present ? 'use-local' : 'pull';
    case 'never':
      return present ? 'use-local' : 'missing';
  }
}
