import type { Engine, ImageSummary, PullOptions } from '../../engine/engine.js';
import type { JobCredential, PullPolicy } from '../../protocol/job-spec.js';
import type { JobLog } from '../executor.js';
import { JobFailedError } from '../job-error.js';
import { satisfiesPin, type DigestPin } from './image-reference.js';
import { pullPolicyLine, stepFor } from './pull-policy.js';

/** The registry host of an image reference, or `docker.io` for Hub-style names. */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  const hasHost =
    image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasHost ? first : 'docker.io';
}

function hostOf(url: string): string {
  return url.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

/** The job's registry credential for `image`, matched on registry host (as GitLab does). */
export function credentialFor(
  image: string,
  credentials: readonly JobCredential[],
): PullOptions['auth'] | undefined {
  const registry = registryOf(image);
  const match = credentials.find((c) => c.type === 'registry' && hostOf(c.url) === registry);
  return match === undefined
    ? undefined
    : { username: match.username, password: match.password, serveraddress: hostOf(match.url) };
}

export interface EnsureImageRequest {
  readonly image: string;
  readonly policies: readonly PullPolicy[];
  readonly credentials: readonly JobCredential[];
  readonly log: JobLog;
  readonly signal: AbortSignal;
  /** Digest pins the image was allowed through: its content must match one of them. */
  readonly pins?: readonly DigestPin[];
}

/** Refuses an image allowed only by digest pins whose content is not the pinned one. */
function checkPins(summary: ImageSummary, request: EnsureImageRequest): ImageSummary {
  const pins = request.pins ?? [];
  if (pins.length === 0 || pins.some((pin) => satisfiesPin(pin, summary.repoDigests)))
    return summary;
  const wanted = pins.map((pin) => `${pin.repository}@${pin.digest}`).join(', ');
  const actual = summary.repoDigests.length > 0 ? summary.repoDigests.join(', ') : summary.id;
  throw new JobFailedError(
    'runner_system_failure',
    'docker.image-digest-mismatch',
    `disallowed image: "${request.image}" is allowed only as ${wanted}, but its content is ${actual}`,
    {
      hint: 'the tag was re-pushed or retagged; pin the new digest in allowed_images if it is trusted',
    },
  );
}

/**
 * Makes `image` available under its effective pull policies, tried in order (a failed `always`
 * pull warns and falls through to the next policy). Prints GitLab's lines; never the credentials.
 * Blocks; honours `signal`.
 */
export async function ensureImage(
  engine: Engine,
  request: EnsureImageRequest,
): Promise<ImageSummary> {
  const { image, log } = request;
  log.plain(pullPolicyLine(request.policies, image));
  let lastError: unknown;
  for (const policy of request.policies) {
    request.signal.throwIfAborted();
    const local = await engine.inspectImage(image);
    const step = stepFor(policy, local !== undefined);
    if (step === 'use-local' && local !== undefined)
      return announce(checkPins(local, request), image, log);
    if (step === 'missing') {
      lastError = new Error(`Error: No such image: ${image}`);
      continue;
    }
    let pulled: ImageSummary | undefined;
    try {
      log.plain(`Pulling docker image ${image} ...`);
      const auth = credentialFor(image, request.credentials);
      await engine.pullImage(image, {
        signal: request.signal,
        ...(auth === undefined ? {} : { auth }),
      });
      pulled = await engine.inspectImage(image);
    } catch (error) {
      request.signal.throwIfAborted();
      lastError = error;
      log.warning(`Failed to pull image with policy "${policy}": ${(error as Error).message}`);
    }
    // Outside the try: content that fails its digest pin is a policy refusal, not a failed pull
    // that the next policy (e.g. if-not-present) may retry.
    if (pulled !== undefined) return announce(checkPins(pulled, request), image, log);
  }
  throw new JobFailedError(
    'image_pull_failure',
    'docker.image-pull',
    `failed to pull image "${image}" with specified policies [${request.policies.join(' ')}]: ${
      (lastError as Error | undefined)?.message ?? 'unknown error'
    }`,
    {
      cause: lastError,
      hint: 'make the image available locally (docker image ls), or allow a pull policy that can fetch it',
    },
  );
}

function announce(summary: ImageSummary, image: string, log: JobLog): ImageSummary {
  const digest = summary.repoDigests[0];
  log.plain(
    `Using docker image ${summary.id} for ${image}${digest === undefined ? '' : ` with digest ${digest}`} ...`,
  );
  return summary;
}
