import { globMatch } from '../../core/doublestar.js';
import {
  canonicalPattern,
  canonicalReference,
  digestPin,
  parseImageReference,
  repositoryName,
  type DigestPin,
} from './image-reference.js';

/**
 * Pure policy checks for job images and services (shared/reference/gitlab-runner.md §1.6). They
 * decide and return; the caller logs and fails.
 */
export type PolicyDecision =
  /**
   * `pins`: the image was allowed only through digest-pinned entries; after the pull its content
   * must match one of them (a re-pushed tag must not slip in).
   */
  | { readonly allowed: true; readonly pins?: readonly DigestPin[] }
  | { readonly allowed: false; readonly reason: string; readonly lines: readonly string[] };

export interface AllowedImageCheck {
  /** The image string as written in the job (after variable expansion); never normalised. */
  readonly image: string;
  /** `allowed_images` or `allowed_services` patterns. Empty: everything is allowed. */
  readonly allowed: readonly string[];
  /** Exempt images: the runner's default image, config.toml services, the helper image. */
  readonly internal: readonly string[];
  /** `images` or `services`, for the message. */
  readonly kind: 'images' | 'services';
}

/**
 * GitLab Runner's literal glob match, plus two documented hardenings: references are compared in
 * their fully qualified form too (`ruby` = `docker.io/library/ruby`), and an entry pinned by digest
 * (`name@sha256:…`) also admits the same repository by tag, on condition that the pulled content
 * has that digest.
 */
function matches(pattern: string, image: string): boolean {
  if (globMatch(pattern, image)) return true;
  const canonical = canonicalPattern(pattern);
  return canonical !== undefined && globMatch(canonical, canonicalReference(image));
}

function pinsFor(allowed: readonly string[], image: string): DigestPin[] {
  const parsed = parseImageReference(image);
  const repository = repositoryName(parsed);
  return allowed
    .map(digestPin)
    .filter((pin): pin is DigestPin => pin !== undefined && pin.repository === repository)
    .filter((pin) => parsed.digest === undefined || parsed.digest === pin.digest);
}

export function checkAllowedImage(check: AllowedImageCheck): PolicyDecision {
  if (check.allowed.length === 0) return { allowed: true };
  if (check.internal.includes(check.image)) return { allowed: true };
  const unpinned = check.allowed.filter((pattern) => digestPin(pattern) === undefined);
  if (unpinned.some((pattern) => matches(pattern, check.image))) return { allowed: true };
  const pins = pinsFor(check.allowed, check.image);
  if (pins.length > 0) return { allowed: true, pins };
  return {
    allowed: false,
    reason: check.kind === 'images' ? 'disallowed image' : 'disallowed service',
    lines: [
      `The "${check.image}" image is not present on list of allowed ${check.kind}:`,
      ...check.allowed.map((pattern) => `- ${pattern}`),
      `Please check runner's allowed_${check.kind} configuration: https://docs.gitlab.com/runner/configuration/advanced-configuration/#restrict-docker-images-and-services`,
    ],
  };
}

/** `allowed_privileged_*`: a non-match silently drops privilege (GitLab semantics). */
export function privilegeAllowed(image: string, allowed: readonly string[]): boolean {
  return allowed.length === 0 || allowed.some((pattern) => globMatch(pattern, image));
}

export type EntrypointDecision =
  | { readonly kind: 'keep-image' }
  /** `warning`: the runner opted out of the lock explicitly; every job log says so. */
  | { readonly kind: 'override'; readonly entrypoint: readonly string[]; readonly warning?: string }
  /** GitLab's plain `disable_entrypoint_overwrite`: ignore the override, warn. */
  | { readonly kind: 'ignored'; readonly warning: string }
  /** dockhand's lock: restricted images make an override a policy error. */
  | { readonly kind: 'refused'; readonly message: string; readonly hint: string };

export interface EntrypointCheck {
  readonly jobName: string;
  /** The runner's name from config.toml, for messages. */
  readonly runnerName?: string | undefined;
  /** `image` or `service <name>`. */
  readonly subject: string;
  readonly entrypoint: readonly string[] | undefined;
  /** Whether the relevant allow list (`allowed_images` / `allowed_services`) is non-empty. */
  readonly restricted: boolean;
  readonly restrictingKey: 'allowed_images' | 'allowed_services';
  readonly disableEntrypointOverwrite: boolean;
}

/**
 * The entrypoint lock. An allow list of images is only a security boundary when the job cannot
 * replace what the image runs: an image whose ENTRYPOINT ignores its arguments (seed setup 1)
 * becomes a shell with the host's Docker socket as soon as `entrypoint:` is honoured. So with a
 * restricted list and the (effective, default) `disable_entrypoint_overwrite`, an override is
 * refused before any container starts.
 */
export function decideEntrypoint(check: EntrypointCheck): EntrypointDecision {
  if (check.entrypoint === undefined) return { kind: 'keep-image' };
  const runner = check.runnerName === undefined ? 'this runner' : `runner "${check.runnerName}"`;
  if (!check.disableEntrypointOverwrite) {
    if (!check.restricted) return { kind: 'override', entrypoint: check.entrypoint };
    return {
      kind: 'override',
      entrypoint: check.entrypoint,
      warning:
        `job "${check.jobName}" overrides the entrypoint of its ${check.subject}: ${runner} ` +
        `sets disable_entrypoint_overwrite = false, so ${check.restrictingKey} does not limit what runs`,
    };
  }
  if (!check.restricted) {
    return { kind: 'ignored', warning: `Entrypoint override disabled (${check.subject})` };
  }
  return {
    kind: 'refused',
    message:
      `job "${check.jobName}" overrides the entrypoint of its ${check.subject}, but ${runner} ` +
      `restricts ${check.restrictingKey} and sets disable_entrypoint_overwrite, so the ` +
      `image's ENTRYPOINT must run as built`,
    hint:
      `remove "entrypoint:" from the job, or (if every allowed image is safe to run with any ` +
      `command) set disable_entrypoint_overwrite = false in [runners.docker]`,
  };
}

export interface UserCheck {
  /** `[runners.docker] user`: takes precedence. */
  readonly runnerUser: string | undefined;
  /** The job's `image:docker:user`. */
  readonly jobUser: string | undefined;
  readonly allowedUsers: readonly string[];
}

export type UserDecision =
  | { readonly allowed: true; readonly user: string | undefined }
  | { readonly allowed: false; readonly reason: string };

/** `user` / `allowed_users` (GitLab 16.8+): empty list with `user` set allows only `user`. */
export function decideUser(check: UserCheck): UserDecision {
  const user = nonEmpty(check.runnerUser) ?? nonEmpty(check.jobUser);
  if (user === undefined) return { allowed: true, user: undefined };
  const allowed =
    check.allowedUsers.length > 0
      ? check.allowedUsers
      : check.runnerUser !== undefined && check.runnerUser !== ''
        ? [check.runnerUser]
        : [];
  if (allowed.length === 0 || allowed.includes(user)) return { allowed: true, user };
  return {
    allowed: false,
    reason: `user "${user}" is not in allowed_users (${allowed.join(', ')})`,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
