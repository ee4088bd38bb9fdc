/**
 * The short form of a runner token GitLab prints in the log header and uses in names: the first
 * 9 characters after the token-type prefixes (`glrt-`, `glrtr-`, `glcbt-`, then `t1_`…).
 * Not a secret: GitLab shows it in every job log.
 */
export function shortToken(token: string): string {
  return token
    .replace(/^(?:glrtr-|glrt-|glcbt-)/, '')
    .replace(/^t\d_/, '')
    .slice(0, 9);
}
