/**
 * Secrets the coordinator issues: runner authentication tokens (`glrt-`, GitLab's prefix, so
 * runners mask them by prefix), job tokens (`glcbt-`, GitLab's CI build token prefix) and the
 * admin token. Only SHA-256 digests are stored; a leaked database holds no usable token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const RUNNER_TOKEN_PREFIX = 'glrt-';
export const JOB_TOKEN_PREFIX = 'glcbt-';

export function generateToken(prefix: string): string {
  return `${prefix}${randomBytes(20).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares a presented token with a stored digest in constant time. */
export function tokenMatches(token: string | undefined, digest: string | undefined): boolean {
  if (token === undefined || digest === undefined || token === '') return false;
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(digest, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
