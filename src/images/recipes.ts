/**
 * The base images dockhand seeds offline, from Debian packages, under the names users write in
 * their pipelines. Order matters: each image may build on the ones before it.
 */
export type RecipeKind = 'busybox' | 'debian' | 'docker-cli' | 'dind';

export interface SeedRecipe {
  readonly tag: string;
  readonly kind: RecipeKind;
  readonly summary: string;
  /** A rough duration shown before long steps, measured on a 2-core machine. */
  readonly estimate: string;
  /** Debian packages installed on top of the base (docker-cli only). */
  readonly packages: readonly string[];
}

/** Packages of the `docker:latest` image: the docker CLI (and daemon, for dind), git, sh. */
export const DOCKER_PACKAGES = [
  'docker.io',
  'iptables',
  'ca-certificates',
  'git',
  'pigz',
  'xz-utils',
  'procps',
  'iproute2',
] as const;

export const SEED_RECIPES: readonly SeedRecipe[] = [
  {
    tag: 'busybox:latest',
    kind: 'busybox',
    summary: 'busybox from Debian busybox-static',
    estimate: '1 s',
    packages: [],
  },
  {
    tag: 'debian:bookworm',
    kind: 'debian',
    summary: 'Debian 12 minbase (debootstrap)',
    estimate: '30 s',
    packages: [],
  },
  {
    tag: 'docker:latest',
    kind: 'docker-cli',
    summary: 'Debian + docker CLI, git and sh, with the official entrypoint behaviour',
    estimate: '20 s',
    packages: DOCKER_PACKAGES,
  },
  {
    tag: 'docker:dind',
    kind: 'dind',
    summary: 'docker:latest + dockerd on unix socket and tcp 2375 (no TLS)',
    estimate: '2 s',
    packages: [],
  },
];

/** Extra names users write for the same images. */
export const SEED_ALIASES: Readonly<Record<string, readonly string[]>> = {
  'busybox:latest': [],
  'debian:bookworm': ['debian:12'],
  'docker:latest': [],
  'docker:dind': [],
};
