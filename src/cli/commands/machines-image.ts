import { join } from 'node:path';
import { buildVmImage } from '../../executors/machine/image/build-vm-image.js';
import { defaultMachineCacheDir } from '../../executors/machine/image/vm-image.js';
import { ensureSnapshot } from '../../executors/machine/qemu/snapshot.js';
import { runHost } from '../../images/host-command.js';
import { copyTree, debootstrapRootfs, installPackages } from '../../images/rootfs.js';
import { findBusybox, hostDebianMirror } from '../../images/host-tools.js';
import type { Command } from '../command.js';
import { DockhandEnvironment } from '../host-environment.js';
import { stderrLogger } from '../io.js';
import { parseFlags } from '../parse-flags.js';

const help = `Usage: dockhand machines image [--force] [--no-snapshot] [--cache-dir DIR] [--mirror URL]

Builds the VM image of the docker+machine executor (QEMU driver) offline from Debian packages:
the cloud kernel, a tiny initrd, and a root disk with dockerd, tini and the images busybox,
docker and docker:dind already loaded (exported from the host engine: run 'dockhand images seed'
first). Then boots it once and saves the running VM, so that each VM starts from that snapshot
in about a second. Skipped when the image is current (its recipe digest is unchanged).

Flags:
  --force          rebuild even when the image is current
  --no-snapshot    do not make the saved running VM (VMs then boot cold, ~15 s under TCG)
  --cache-dir DIR  default: $DOCKHAND_CACHE_DIR/machines, else /var/cache/dockhand/machines
  --mirror URL     Debian mirror (default: the host's apt source)

Needs root, qemu-system-x86 and qemu-utils, debootstrap, busybox-static, openssl, lz4, e2fsprogs.
`;

export const machinesImageCommand: Command = {
  name: 'machines image',
  summary: 'build the docker+machine VM image (and its saved running VM) offline',
  help,
  async run(args, io) {
    const { values } = parseFlags('machines image', args, {
      force: { type: 'boolean' },
      'no-snapshot': { type: 'boolean' },
      'cache-dir': { type: 'string' },
      mirror: { type: 'string' },
    });
    const host = DockhandEnvironment.fromIo(io);
    const logger = stderrLogger(io);
    const cacheDir = values['cache-dir'] ?? defaultMachineCacheDir(io.env);
    const seedCache = join(cacheDir, '..', 'seed', 'debian-bookworm');
    const engine = await host.connectEngine();
    logger.info(`VM image in ${cacheDir}`);
    const outcome = await buildVmImage({
      cacheDir,
      tools: { runHost, debootstrapRootfs, installPackages, copyTree },
      hostEngine: engine,
      logger,
      mirror: values.mirror ?? (await hostDebianMirror()),
      busybox: await findBusybox(),
      minbaseRootfs: seedCache,
      force: values.force ?? false,
      signal: host.signal,
    });
    io.stdout(
      outcome.action === 'built'
        ? `VM image built in ${outcome.seconds.toFixed(0)} s (kernel ${outcome.record.kernelVersion})\n`
        : `VM image is current (built ${outcome.record.builtAt})\n`,
    );
    if (values['no-snapshot'] !== true) {
      const snap = await ensureSnapshot({ cacheDir, logger, signal: host.signal });
      io.stdout(
        snap.action === 'made'
          ? `Saved running VM made in ${snap.seconds.toFixed(0)} s (boot to engine-ready ${snap.bootSeconds.toFixed(1)} s)\n`
          : 'Saved running VM is current\n',
      );
    }
    return 0;
  },
};
