/**
 * Two path-matching dialects, because GitLab uses two:
 * - `include:local` wildcards: GitLab turns `**` into `.*` and `*` into `[^/]*` and matches the
 *   whole path (Repository#search_files_by_wildcard_path). So `configs/**.yml` matches files in
 *   configs/ and all its subfolders, and `configs/**\/*.yml` only those in subfolders.
 * - `rules:changes`, `rules:exists`, `only:changes`: Ruby's File.fnmatch with FNM_PATHNAME,
 *   FNM_DOTMATCH and FNM_EXTGLOB: `*` stays inside one folder, `**\/` spans folders, `{a,b}`
 *   alternates, `?` and `[...]` as in shells, and dotfiles match.
 */

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function includeGlobToRegExp(pattern: string): RegExp {
  const path = pattern.replace(/^\/+/, '');
  const source = path
    .split('**')
    .map((part) => part.split('*').map(escapeRegExp).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*');
}

interface Step {
  readonly text: string;
  /** Index of the last character consumed. */
  readonly last: number;
}

function star(pattern: string, i: number): Step {
  const atSegmentStart = i === 0 || pattern[i - 1] === '/';
  if (pattern[i + 1] === '*' && atSegmentStart && pattern[i + 2] === '/') {
    return { text: '(?:.*/)?', last: i + 2 };
  }
  let last = i;
  while (pattern[last + 1] === '*') last++;
  return { text: '[^/]*', last };
}

function bracket(pattern: string, i: number): Step {
  const end = pattern.indexOf(']', i + 2);
  if (end < 0) return { text: '\\[', last: i };
  const body = pattern
    .slice(i + 1, end)
    .replace(/^!/, '^')
    .replace(/\\/g, '\\\\');
  return { text: `[${body}]`, last: end };
}

/** Translates the fnmatch dialect to a regular expression; undefined when the pattern is broken. */
export function fnmatchToRegExp(pattern: string): RegExp | undefined {
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? '';
    let step: Step = { text: escapeRegExp(ch), last: i };
    if (ch === '*') step = star(pattern, i);
    else if (ch === '?') step = { text: '[^/]', last: i };
    else if (ch === '[') step = bracket(pattern, i);
    else if (ch === '{') {
      braces++;
      step = { text: '(?:', last: i };
    } else if (ch === '}' && braces > 0) {
      braces--;
      step = { text: ')', last: i };
    } else if (ch === ',' && braces > 0) step = { text: '|', last: i };
    else if (ch === '\\' && i + 1 < pattern.length)
      step = { text: escapeRegExp(pattern[i + 1] ?? ''), last: i + 1 };
    out += step.text;
    i = step.last;
  }
  if (braces > 0) return undefined;
  try {
    return new RegExp(`^${out}$`);
  } catch {
    return undefined;
  }
}

export function fnmatch(pattern: string, path: string): boolean {
  const cleaned = pattern.replace(/^\.\//, '').replace(/^\/+/, '');
  return fnmatchToRegExp(cleaned)?.test(path.replace(/^\.\//, '')) ?? false;
}
