/**
 * How config.toml keys are declared. Each key is declared once, with its type, its default, what
 * it means and whether dockhand honours it; the walker, the typed result and
 * docs/configuration.md are all derived from these declarations.
 */
export type ValueKind =
  | 'string'
  | 'integer'
  | 'float'
  | 'boolean'
  /** A TOML date-time (what `gitlab-runner register` writes for token_obtained_at) or a string. */
  | 'datetime'
  | 'string-list'
  /** A string or a list of strings (pull_policy). */
  | 'string-or-list'
  /** An integer number of seconds. */
  | 'seconds'
  /** A Go duration string such as "15m" or "1h30m". */
  | 'go-duration'
  /** A Docker size string such as "512m" or "2g". */
  | 'size'
  /** A table of string values (sysctls, container_labels, …). */
  | 'string-map'
  /** A table of boolean values (feature_flags). */
  | 'bool-map'
  /** A table whose values are lists of strings (services_devices). */
  | 'string-list-map'
  /** A whole sub-section dockhand recognises but does not look into (kubernetes, ssh, …). */
  | 'table';

export type DefaultValue = string | number | boolean | readonly string[];

export interface KeyDecl {
  /** Exactly as written in config.toml (GitLab mixes snake_case, kebab-case and PascalCase). */
  readonly name: string;
  readonly kind: ValueKind;
  readonly description: string;
  /** True when dockhand acts on the key; false gives a "recognised but not honoured" warning. */
  readonly honoured: boolean;
  /** The default dockhand applies (and GitLab Runner applies) when the key is absent. */
  readonly default?: DefaultValue;
  /** Shown in the docs when the default is not a plain value ("executor default", …). */
  readonly defaultText?: string;
  /** Allowed values, for string keys (or list items) with a closed set. */
  readonly values?: readonly string[];
  /** Says what is allowed when a value is not in `values`; default "one of: …". */
  readonly valuesHint?: string;
  /** Accepted but ignored on purpose (as GitLab Runner does); the text says why. */
  readonly ignored?: string;
  /** A key dockhand adds; GitLab Runner keeps the same information on the server. */
  readonly dockhandOnly?: boolean;
}

export interface ChildDecl {
  /** The TOML key of the sub-table, e.g. `docker` in `[runners.docker]`. */
  readonly name: string;
  /** `[[...]]`: an array of tables. */
  readonly array: boolean;
  readonly section: SectionDecl;
}

export interface SectionDecl {
  /** The header as users write it, e.g. `[runners.docker]` or `[[runners]]`; `(top level)`. */
  readonly header: string;
  readonly description: string;
  readonly keys: readonly KeyDecl[];
  readonly children: readonly ChildDecl[];
}

/** `[name, kind, description]` of a key dockhand recognises but does not act on yet. */
export type RecognisedKey = readonly [name: string, kind: ValueKind, description: string];

export function recognisedOnly(keys: readonly RecognisedKey[]): KeyDecl[] {
  return keys.map(([name, kind, description]) => ({ name, kind, description, honoured: false }));
}
