/**
 * GitLab Runner's service naming (shared/reference/gitlab-runner.md §2.5), pure. The default
 * aliases come from the image reference without tag, digest and registry port: `/` becomes `__`
 * (primary) and `-` (secondary, only when different).
 */
export function defaultServiceAliases(image: string): string[] {
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  // A registry port (`host:4999/…`) is not part of a hostname.
  name = name.replace(/^([^/]+):\d+\//, '$1/');
  const primary = name.replaceAll('/', '__');
  const secondary = name.replaceAll('/', '-');
  return primary === secondary ? [primary] : [primary, secondary];
}

/** `alias:` may list several aliases separated by commas and/or spaces. */
export function parseAliasList(alias: string | undefined): string[] {
  if (alias === undefined) return [];
  return alias
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

export interface ServiceAliasPlan {
  /** Aliases in order: defaults, then the user's (GitLab keeps both). */
  readonly aliases: readonly string[];
  /** Aliases already taken by an earlier service: skipped with a warning each. */
  readonly duplicates: readonly string[];
}

/**
 * Assigns aliases to every service of a job, in order. A name already taken by an earlier
 * service is dropped for the later one (GitLab warns and continues).
 */
export function planServiceAliases(
  services: readonly { readonly name: string; readonly alias?: string }[],
): ServiceAliasPlan[] {
  const taken = new Set<string>();
  return services.map((service) => {
    const wanted = [...defaultServiceAliases(service.name), ...parseAliasList(service.alias)];
    const aliases: string[] = [];
    const duplicates: string[] = [];
    for (const alias of wanted) {
      if (aliases.includes(alias)) continue;
      if (taken.has(alias)) duplicates.push(alias);
      else aliases.push(alias);
    }
    aliases.forEach((alias) => taken.add(alias));
    return { aliases, duplicates };
  });
}

/** A container-name-safe slug of an image (`docker:dind` → `docker__dind`). */
export function serviceSlug(image: string): string {
  return image.replace(/[^a-zA-Z0-9_.-]+/g, '__').replace(/^[^a-zA-Z0-9]+/, '');
}
