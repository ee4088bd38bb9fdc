/** Top-level keys of .gitlab-ci.yml that are not jobs (GitLab's reserved keywords). */
export const RESERVED_KEYS: readonly string[] = [
  'image',
  'services',
  'stages',
  'types',
  'before_script',
  'after_script',
  'variables',
  'cache',
  'include',
  'default',
  'workflow',
];

export const RESERVED_KEY_SET: ReadonlySet<string> = new Set(RESERVED_KEYS);
