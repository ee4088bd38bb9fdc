import type { SourcePosition } from './errors.js';
import type { CachePolicy, PullPolicy, ArtifactWhen } from '../protocol/job-spec.js';

/** A validated pipeline: what .gitlab-ci.yml (plus includes) means, before any ref is chosen. */
export interface Pipeline {
  /** Stage order, `.pre` first and `.post` last, as GitLab injects them. */
  readonly stages: readonly string[];
  /** Top-level `variables`, in file order. */
  readonly variables: readonly VariableSpec[];
  readonly workflow?: Workflow;
  /** Jobs after extends, defaults and parallel expansion, in definition order. Hidden jobs are gone. */
  readonly jobs: readonly Job[];
  /** Every file that was read: the main file, then the included ones. */
  readonly files: readonly string[];
}

export interface Workflow {
  readonly name?: string;
  readonly rules?: readonly Rule[];
}

export type JobWhen = 'on_success' | 'on_failure' | 'always' | 'manual' | 'delayed' | 'never';

export interface VariableSpec {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
  /** `expand: false` → the runner receives it with `raw: true`. */
  readonly expand: boolean;
  readonly options?: readonly string[];
}

export interface ImageSpec {
  readonly name: string;
  readonly entrypoint?: readonly string[];
  readonly pullPolicy?: readonly PullPolicy[];
  readonly docker?: { readonly user?: string; readonly platform?: string };
}

export interface ServiceSpec extends ImageSpec {
  /** As written: one alias or several separated by commas. */
  readonly alias?: string;
  readonly command?: readonly string[];
  readonly variables: readonly { readonly key: string; readonly value: string }[];
}

export interface RuleChanges {
  readonly paths: readonly string[];
  readonly compareTo?: string;
}

export interface Rule {
  readonly if?: string;
  readonly changes?: RuleChanges;
  readonly exists?: readonly string[];
  readonly when?: JobWhen;
  readonly startIn?: string;
  readonly allowFailure?: boolean;
  readonly variables: readonly VariableSpec[];
  readonly needs?: readonly Need[];
}

export interface OnlyExcept {
  readonly refs: readonly string[];
  readonly variables: readonly string[];
  readonly changes: readonly string[];
}

export interface Need {
  readonly job: string;
  readonly artifacts: boolean;
  readonly optional: boolean;
  /** `needs:parallel:matrix`: which matrix jobs of `job` are needed (each row: variable → value). */
  readonly matrix?: readonly Readonly<Record<string, string>>[];
}

export interface ArtifactsSpec {
  readonly name?: string;
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly untracked: boolean;
  readonly when: ArtifactWhen;
  readonly expireIn?: string;
  readonly exposeAs?: string;
  readonly public?: boolean;
  /** `reports:<type>` → paths (junit, dotenv, …). */
  readonly reports: Readonly<Record<string, readonly string[]>>;
}

export type CacheKey =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'files'; readonly files: readonly string[]; readonly prefix?: string };

export interface CacheSpec {
  readonly key: CacheKey;
  readonly paths: readonly string[];
  readonly untracked: boolean;
  readonly policy: CachePolicy;
  readonly when: ArtifactWhen;
  readonly fallbackKeys: readonly string[];
  readonly unprotect: boolean;
}

export interface RetrySpec {
  /** 0, 1 or 2. */
  readonly max: number;
  readonly when: readonly string[];
  readonly exitCodes: readonly number[];
}

export interface AllowFailureSpec {
  readonly allowed: boolean;
  /** `allow_failure:exit_codes`: only these exit codes are allowed to fail. */
  readonly exitCodes: readonly number[];
}

export interface EnvironmentSpec {
  readonly name: string;
  readonly url?: string;
  readonly action?: 'start' | 'prepare' | 'stop' | 'verify' | 'access';
  readonly onStop?: string;
  readonly deploymentTier?: string;
  readonly autoStopIn?: string;
}

export interface ParallelInfo {
  /** 1-based. */
  readonly index: number;
  readonly total: number;
  /** For `parallel:matrix`: this job's variables. */
  readonly matrix?: Readonly<Record<string, string>>;
}

export interface InheritSpec {
  /** true, false, or the list of `default` keywords to inherit. */
  readonly default: boolean | readonly string[];
  readonly variables: boolean | readonly string[];
}

export interface Job {
  /** The name GitLab shows: `test 1/3` or `test: [ruby, 3.2]` for parallel jobs. */
  readonly name: string;
  /** The key in the YAML. */
  readonly baseName: string;
  readonly stage: string;
  readonly source: SourcePosition;
  readonly beforeScript: readonly string[];
  readonly script: readonly string[];
  readonly afterScript: readonly string[];
  readonly image?: ImageSpec;
  readonly services: readonly ServiceSpec[];
  /** Job `variables` (after `inherit:variables` is applied to the global ones, these are job-only). */
  readonly variables: readonly VariableSpec[];
  /** Which global variables this job receives. */
  readonly inheritVariables: boolean | readonly string[];
  readonly tags: readonly string[];
  /** Undefined when not set: with rules the rule decides, without rules it is `on_success`. */
  readonly when?: JobWhen;
  readonly startIn?: string;
  readonly allowFailure?: AllowFailureSpec;
  readonly rules?: readonly Rule[];
  readonly only?: OnlyExcept;
  readonly except?: OnlyExcept;
  /** Undefined: stage order. `[]`: starts at once. */
  readonly needs?: readonly Need[];
  /** Undefined: artifacts of every job in earlier stages. */
  readonly dependencies?: readonly string[];
  readonly artifacts?: ArtifactsSpec;
  readonly cache: readonly CacheSpec[];
  /** Seconds. */
  readonly timeout?: number;
  readonly retry: RetrySpec;
  readonly parallel?: ParallelInfo;
  readonly interruptible: boolean;
  readonly resourceGroup?: string;
  readonly environment?: EnvironmentSpec;
  readonly coverage?: string;
}
