import { execFileSync } from 'node:child_process';

/**
 * `cache:key:files` as GitLab computes it: the SHA of the last commit that changed any of the
 * files (undefined when none of them is in the history: the key is then `default`). Memoised per
 * file list, since parallel jobs share their cache definitions.
 */
export function cacheFilesHasher(root: string): (files: readonly string[]) => string | undefined {
  const known = new Map<string, string | undefined>();
  return (files) => {
    const id = files.join('\0');
    if (known.has(id)) return known.get(id);
    let sha: string | undefined;
    try {
      const out = execFileSync('git', ['-C', root, 'log', '-1', '--format=%H', '--', ...files], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      sha = out === '' ? undefined : out;
    } catch {
      sha = undefined;
    }
    known.set(id, sha);
    return sha;
  };
}
