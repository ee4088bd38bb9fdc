/**
 * Docker image references as the engine understands them, so that dockhand's policy can treat
 * equal references as equal (`ruby` = `docker.io/library/ruby`) and check digest pins.
 * Pure: no engine, no I/O.
 */
export interface ImageReference {
  /** `docker.io`, `registry.example.com:5000`, `localhost`… */
  readonly registry: string;
  /** Repository path inside the registry, `library/` added for single-name Hub images. */
  readonly path: string;
  readonly tag: string | undefined;
  /** `sha256:<hex>` when pinned. */
  readonly digest: string | undefined;
}

/** Whether the first path segment names a registry host, as Docker decides it. */
function isRegistryHost(segment: string): boolean {
  return segment.includes('.') || segment.includes(':') || segment === 'localhost';
}

export function parseImageReference(reference: string): ImageReference {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const segments = rest.split('/');
  const first = segments[0] ?? '';
  const hasHost = segments.length > 1 && isRegistryHost(first);
  const registry = hasHost ? first : 'docker.io';
  let path = hasHost ? segments.slice(1).join('/') : rest;
  if (registry === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  return { registry: registry === 'index.docker.io' ? 'docker.io' : registry, path, tag, digest };
}

/** The repository as the engine names it in RepoDigests: `ruby`, `host:5000/a/b`. */
export function repositoryName(reference: ImageReference): string {
  if (reference.registry !== 'docker.io') return `${reference.registry}/${reference.path}`;
  return reference.path.startsWith('library/')
    ? reference.path.slice('library/'.length)
    : reference.path;
}

/** The fully qualified form, tag and digest kept as written: `docker.io/library/ruby:3`. */
export function canonicalReference(reference: string): string {
  const parsed = parseImageReference(reference);
  return (
    `${parsed.registry}/${parsed.path}` +
    (parsed.tag === undefined ? '' : `:${parsed.tag}`) +
    (parsed.digest === undefined ? '' : `@${parsed.digest}`)
  );
}

const GLOB_CHARS = /[*?[\]{}\\]/;

/**
 * A pattern in the fully qualified form, when its registry and repository part is literal (no
 * glob characters before the tag); otherwise undefined, and only GitLab's literal match applies.
 */
export function canonicalPattern(pattern: string): string | undefined {
  const nameEnd = pattern.search(/[:@](?![^/]*\/)/);
  const name = nameEnd < 0 ? pattern : pattern.slice(0, nameEnd);
  if (GLOB_CHARS.test(name)) return undefined;
  const suffix = nameEnd < 0 ? '' : pattern.slice(nameEnd);
  const parsed = parseImageReference(name);
  return `${parsed.registry}/${parsed.path}${suffix}`;
}

/** A digest pin written in `allowed_images`: `name@sha256:<64 hex>`. */
export interface DigestPin {
  /** The pinned repository in the engine's RepoDigests naming. */
  readonly repository: string;
  readonly digest: string;
}

export function digestPin(pattern: string): DigestPin | undefined {
  const match = /^([^@*?[\]{}\\]+)@(sha256:[0-9a-f]{64})$/.exec(pattern);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const parsed = parseImageReference(match[1]);
  if (parsed.tag !== undefined) return undefined;
  return { repository: repositoryName(parsed), digest: match[2] };
}

/** Whether a pulled image's RepoDigests prove it is the pinned content. */
export function satisfiesPin(pin: DigestPin, repoDigests: readonly string[]): boolean {
  return repoDigests.some((entry) => {
    const at = entry.lastIndexOf('@');
    if (at < 0 || entry.slice(at + 1) !== pin.digest) return false;
    return repositoryName(parseImageReference(entry.slice(0, at))) === pin.repository;
  });
}
