import type { JobVariable } from '../../protocol/job-spec.js';

/**
 * Where a variable comes from. GitLab's precedence (shared/reference/gitlab-runner.md §4.4,
 * current docs), lowest first; each later source overrides the earlier ones.
 */
export const VARIABLE_PRECEDENCE = [
  'predefined',
  'deployment',
  'yaml-global',
  'yaml-job',
  'dotenv',
  'instance',
  'group',
  'project',
  /** Trigger, schedule, manual-run, API and `dockhand exec --variable` variables. */
  'pipeline',
] as const;

export type VariableSource = (typeof VARIABLE_PRECEDENCE)[number];

/**
 * `public` on the wire: true for values anyone reading the YAML or the docs could know (they are
 * also passed to services); false for settings-defined values, which may be secrets. dotenv
 * variables are stored like settings variables in GitLab and are sent as non-public too.
 */
const PUBLIC_BY_SOURCE: Readonly<Record<VariableSource, boolean>> = {
  predefined: true,
  deployment: false,
  'yaml-global': true,
  'yaml-job': true,
  dotenv: false,
  instance: false,
  group: false,
  project: false,
  pipeline: false,
};

export interface VariableInput {
  readonly key: string;
  readonly value: string;
  readonly masked?: boolean;
  readonly file?: boolean;
  readonly raw?: boolean;
  /** Overrides the source's default (e.g. CI_REGISTRY_PASSWORD among predefined variables). */
  readonly public?: boolean;
}

export interface VariableLayer {
  readonly source: VariableSource;
  readonly variables: readonly (VariableInput | JobVariable)[];
}

const rank = (source: VariableSource): number => VARIABLE_PRECEDENCE.indexOf(source);

/**
 * Merges layers by precedence into one entry per key. Layers may come in any order; layers of
 * the same source keep their given order (pass group layers from the top-level group down to
 * the closest subgroup, which wins). Within a layer, a later entry wins.
 *
 * The result is ordered by the winning entry's precedence, then by position, so expanding it
 * with "last entry wins" (`expandAll`) sees the same values GitLab resolved.
 */
export function mergeVariables(layers: readonly VariableLayer[]): JobVariable[] {
  const ordered = layers
    .map((layer, index) => ({ layer, index }))
    .sort((a, b) => rank(a.layer.source) - rank(b.layer.source) || a.index - b.index);
  const merged = new Map<string, JobVariable>();
  for (const { layer } of ordered) {
    for (const input of layer.variables) {
      // Re-insert so that iteration order follows the winner, not the first definition.
      merged.delete(input.key);
      merged.set(input.key, {
        key: input.key,
        value: input.value,
        public: input.public ?? PUBLIC_BY_SOURCE[layer.source],
        masked: input.masked ?? false,
        file: input.file ?? false,
        raw: input.raw ?? false,
      });
    }
  }
  return [...merged.values()];
}
