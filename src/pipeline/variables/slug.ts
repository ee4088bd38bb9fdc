/**
 * GitLab's `Gitlab::Utils.slugify`, used for CI_COMMIT_REF_SLUG, CI_PROJECT_PATH_SLUG and
 * CI_JOB_NAME_SLUG: lower-case (Unicode-aware, like Ruby's `downcase`), replace every character
 * other than `a-z0-9` with `-` (one per code point, runs are not collapsed), keep the first 63
 * characters, then strip leading and trailing `-`. Truncation happens before stripping, so the
 * result can be shorter than 63.
 */
export function slugify(text: string): string {
  const replaced = Array.from(text.toLowerCase(), (ch) => (/^[a-z0-9]$/.test(ch) ? ch : '-'));
  return replaced
    .slice(0, 63)
    .join('')
    .replace(/^-+|-+$/g, '');
}
