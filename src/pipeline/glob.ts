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

/** Translates the fnmatch dialect to a regular expression; undefined when the pattern is broken. */
export function fnmatchToRegExp(pattern: string): RegExp | undefined {
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? '';
    if (ch === '*') {
      if (pattern[i + 1] === '*' && (i === 0 || pattern[i - 1] === '/') && pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        while (pattern[i + 1] === '*') i++;
        out += '[^/]*';
      }
    } else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else if (ch === '{') {
      braces++;
      out += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (ch === ',' && braces > 0) out += '|';
    else if (ch === '\\' && i + 1 < pattern.length) {
      out += escapeRegExp(pattern[i + 1] ?? '');
      i++;
    } else out += escapeRegExp(ch);
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
