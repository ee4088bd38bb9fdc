import { homedir } from 'node:os';
import { join } from 'node:path';
import { DockhandEnvironment } from '../host-environment.js';
import { seedImages } from '../../images/seed.js';
import { SEED_RECIPES } from '../../images/recipes.js';
import { findBusybox, hostDebianMirror } from '../../images/host-tools.js';
import type { Command } from '../command.js';
import { stderrLogger, type CliIo } from '../io.js';
import { parseFlags } from '../parse-flags.js';

const help = `Usage: dockhand images seed [--only IMAGE]... [--force] [--cache-dir DIR] [--mirror URL]

Builds the base images jobs commonly use, offline from Debian packages (no public registry), and
tags them as users write them: ${SEED_RECIPES.map((r) => r.tag).join(', ')}.
Images already present are skipped; images dockhand did not build are never overwritten.

Flags:
  --only IMAGE     seed only this image (and what it builds on); repeatable
  --force          rebuild even when present and current
  --cache-dir DIR  where root filesystems and packages are cached
                   (default: $DOCKHAND_CACHE_DIR, /var/cache/dockhand/seed as root, else ~/.cache/dockhand/seed)
  --mirror URL     Debian mirror (default: the host's apt source, else http://deb.debian.org/debian)

Needs: a Docker engine, busybox-static, and for the Debian-based images debootstrap, apt-get and root.
`;

function defaultCacheDir(io: CliIo): string {
  const fromEnv = io.env['DOCKHAND_CACHE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return join(fromEnv, 'seed');
  if (process.getuid?.() === 0) return '/var/cache/dockhand/seed';
  return join(io.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'dockhand', 'seed');
}

export const imagesSeedCommand: Command = {
  name: 'images seed',
  summary: 'build the base images (busybox, debian, docker, docker:dind) offline',
  help,
  async run(args, io) {
    const { values } = parseFlags('images seed', args, {
      only: { type: 'string', multiple: true },
      force: { type: 'boolean' },
      'cache-dir': { type: 'string' },
      mirror: { type: 'string' },
    });
    const host = DockhandEnvironment.fromIo(io);
    const engine = await host.connectEngine();
    const logger = stderrLogger(io);
    const outcomes = await seedImages({
      engine,
      logger,
      cacheDir: values['cache-dir'] ?? defaultCacheDir(io),
      mirror: values.mirror ?? (await hostDebianMirror()),
      busybox: await findBusybox(),
      force: values.force ?? false,
      only: values.only ?? [],
      signal: host.signal,
    });
    const built = outcomes.filter((o) => o.action === 'built').length;
    io.stdout(
      `Seeded ${outcomes.length} images (${built} built, ${outcomes.length - built} already present)\n`,
    );
    return 0;
  },
};
