import { createWriteStream } from 'node:fs';
import { access, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EnvironmentError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import type { Engine } from '../../../engine/engine.js';
import { chooseAccelerator } from '../qemu/accel-probe.js';
import { qemuArgs } from '../qemu/qemu-args.js';
import { guardOneTimeRun, killRecordedQemu } from '../qemu/one-time-run.js';
import { QEMU_BINARY, sleep, spawnQemu } from '../qemu/qemu-process.js';
import type { ImageBuildTools } from './build-tools.js';
import { makeEngineCerts } from './engine-certs.js';
import { AGENT, INIT_CI, PREP_DONE_MARKER, VM_MAIN } from './guest-scripts.js';
import { buildInitrd, extractVmlinux, fetchKernel } from './kernel-initrd.js';
import {
  BAKED_IMAGES,
  GUEST_PACKAGES,
  INITRD_MODULES,
  KERNEL_PACKAGE,
  ROOT_DISK_SIZE,
  readVmImage,
  vmImagePaths,
  vmImageRecipeDigest,
  type VmImageRecord,
} from './vm-image.js';

export interface BuildVmImageOptions {
  /** `$DOCKHAND_CACHE_DIR/machines` or /var/cache/dockhand/machines. */
  readonly cacheDir: string;
  readonly tools: ImageBuildTools;
  /** The host engine the baked images are exported from (they must be seeded there). */
  readonly hostEngine: Engine;
  readonly logger: Logger;
  readonly mirror: string;
  /** Static busybox for the initrd. */
  readonly busybox: string;
  /** A cached debootstrap minbase (from `images seed`) to copy instead of debootstrapping. */
  readonly minbaseRootfs?: string;
  readonly force: boolean;
  readonly qemuBinary?: string;
  readonly signal?: AbortSignal;
}

export type BuildVmImageOutcome =
  | { readonly action: 'current'; readonly record: VmImageRecord }
  | { readonly action: 'built'; readonly record: VmImageRecord; readonly seconds: number };

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Builds the VM image offline from Debian packages when it is missing or its recipe changed:
 * kernel + tiny initrd + a raw ext4 root disk with dockerd, tini and the baked images already
 * loaded into the guest engine (one preparation boot). Any saved snapshot is dropped with it.
 */
export async function buildVmImage(options: BuildVmImageOptions): Promise<BuildVmImageOutcome> {
  const paths = vmImagePaths(options.cacheDir);
  const digest = vmImageRecipeDigest();
  const present = await readVmImage(paths);
  if (present?.digest === digest && !options.force) return { action: 'current', record: present };
  const started = Date.now();
  const { logger, tools } = options;
  const step = (text: string) => logger.info(`  ${text}`);
  const lines = progressLines(logger);
  for (const ref of BAKED_IMAGES) {
    if ((await options.hostEngine.inspectImage(ref)) === undefined) {
      throw new EnvironmentError('vm-image.missing-image', `${ref} is not in the host engine`, {
        hint: 'run `dockhand images seed` first: the VM image bakes those images in',
      });
    }
  }
  // A preparation boot of an earlier build that was killed may still run on the old base disk.
  await killRecordedQemu(join(options.cacheDir, 'work', 'prep', 'qemu.pid'), paths.base);
  await rm(paths.snapshotDir, { recursive: true, force: true });
  await rm(paths.dir, { recursive: true, force: true });
  await mkdir(paths.dir, { recursive: true });
  const work = join(options.cacheDir, 'work');
  const root = join(work, 'rootfs');
  await mkdir(work, { recursive: true });

  if (
    options.minbaseRootfs !== undefined &&
    (await exists(join(options.minbaseRootfs, 'usr/bin/dpkg')))
  ) {
    step('copying the cached Debian minbase...');
    await tools.copyTree(options.minbaseRootfs, root);
  } else {
    step('debootstrap bookworm (minbase), about 40 s...');
    await tools.debootstrapRootfs(root, options.mirror, lines, options.signal);
  }
  step(`installing ${GUEST_PACKAGES.join(', ')}...`);
  await tools.installPackages(root, GUEST_PACKAGES, join(work, 'debs'), lines, options.signal);

  step(`fetching ${KERNEL_PACKAGE}...`);
  const kernel = await fetchKernel(tools.runHost, KERNEL_PACKAGE, join(work, 'kernel'), lines);
  const guestModules = join(root, 'lib/modules', kernel.version);
  await mkdir(join(root, 'lib/modules'), { recursive: true });
  await tools.copyTree(kernel.modulesDir, guestModules);
  await tools.runHost('chroot', [root, 'depmod', kernel.version], { hint: 'needs root (chroot)' });
  const uncompressed = await extractVmlinux(tools.runHost, kernel.vmlinuz, paths.kernel);
  step(
    uncompressed
      ? 'kernel: uncompressed vmlinux (PVH entry)'
      : 'kernel: compressed vmlinuz (no extraction)',
  );
  await buildInitrd(tools.runHost, {
    busybox: options.busybox,
    modulesDir: guestModules,
    modules: INITRD_MODULES,
    workDir: join(work, 'initrd'),
    target: paths.initrd,
  });

  step('TLS certificates for the guest engines (openssl)...');
  await makeEngineCerts(tools.runHost, paths.certs, join(root, 'etc/docker/tls'));
  await installGuestFiles(root);

  step(`exporting ${BAKED_IMAGES.join(', ')} from the host engine...`);
  const seedDir = join(root, 'var/lib/dockhand-seed');
  await mkdir(seedDir, { recursive: true });
  await pipeline(
    await options.hostEngine.exportImages(BAKED_IMAGES),
    createWriteStream(join(seedDir, 'images.tar')),
  );

  step(`making the ${ROOT_DISK_SIZE} root disk (mkfs.ext4 -d)...`);
  await tools.runHost(
    'mkfs.ext4',
    ['-q', '-F', '-L', 'dockhand-root', '-d', root, paths.base, ROOT_DISK_SIZE],
    {
      hint: 'install e2fsprogs',
    },
  );
  await rm(root, { recursive: true, force: true });
  await rm(join(work, 'kernel'), { recursive: true, force: true });
  await rm(join(work, 'initrd'), { recursive: true, force: true });

  step('preparation boot: loading the baked images into the guest engine (about 1-2 min)...');
  await prepBoot(options, work);
  await chmod(paths.base, 0o444);
  const record: VmImageRecord = {
    digest,
    builtAt: new Date().toISOString(),
    kernelVersion: kernel.version,
    kernelUncompressed: uncompressed,
  };
  await writeFile(paths.recipe, `${JSON.stringify(record, null, 2)}\n`);
  return { action: 'built', record, seconds: (Date.now() - started) / 1000 };
}

async function installGuestFiles(root: string): Promise<void> {
  const files: [string, string, number][] = [
    ['sbin/init-ci', INIT_CI, 0o755],
    ['sbin/vm-main', VM_MAIN, 0o755],
    ['sbin/dockhand-agent', AGENT, 0o755],
    ['etc/hostname', 'dockhand-vm\n', 0o644],
    ['etc/hosts', '127.0.0.1 localhost dockhand-vm\n', 0o644],
    ['etc/resolv.conf', '', 0o644],
    ['etc/machine-id', '', 0o444],
  ];
  for (const [path, text, mode] of files) {
    await rm(join(root, path), { force: true });
    await writeFile(join(root, path), text, { mode });
  }
}

/** ~2 min on an idle 2-core host under TCG; a host busy with other work can take many times that. */
const PREP_LIMIT_MS = 30 * 60_000;

/** Boots the raw base disk once in `prep` mode and waits for the guest to power off. */
async function prepBoot(options: BuildVmImageOptions, work: string): Promise<void> {
  const paths = vmImagePaths(options.cacheDir);
  const dir = join(work, 'prep');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const binary = options.qemuBinary ?? QEMU_BINARY;
  const accel = await chooseAccelerator(paths.kernel, paths.initrd, options.logger, binary);
  const consoleLog = join(dir, 'console.log');
  const qemu = await spawnQemu(
    qemuArgs({
      accel,
      kernel: paths.kernel,
      initrd: paths.initrd,
      disk: { path: paths.base, format: 'raw' },
      memoryMiB: 1024,
      cpus: 1,
      mode: 'prep',
      consoleLog,
      qmpSocket: join(dir, 'qmp.sock'),
      agentSocket: join(dir, 'agent.sock'),
      pidFile: join(dir, 'qemu.pid'),
    }),
    binary,
  );
  const started = Date.now();
  let done = false;
  void qemu.exited.then(() => (done = true));
  // Ctrl-C / SIGTERM: the detached QEMU goes at once, with its directory.
  const release = guardOneTimeRun({ pid: qemu.pid, marker: paths.base, dirs: [dir] });
  try {
    while (!done) {
      if (Date.now() - started > PREP_LIMIT_MS || options.signal?.aborted === true) {
        process.kill(qemu.pid, 'SIGKILL');
        await qemu.exited;
        await rm(dir, { recursive: true, force: true });
        throw new EnvironmentError(
          'vm-image.prep',
          options.signal?.aborted === true
            ? 'the preparation boot was interrupted'
            : `the preparation boot did not finish in ${PREP_LIMIT_MS / 60_000} minutes`,
        );
      }
      options.logger.progress(`  preparation boot: ${Math.round((Date.now() - started) / 1000)} s`);
      await sleep(1000);
    }
  } finally {
    release();
  }
  const consoleText = await readFile(consoleLog, 'utf8').catch(() => '');
  if (!consoleText.includes(PREP_DONE_MARKER)) {
    throw new EnvironmentError(
      'vm-image.prep',
      `the preparation boot failed:\n${consoleText.split('\n').slice(-20).join('\n')}\n${qemu.stderr()}`,
    );
  }
  await rm(dir, { recursive: true, force: true });
}

function progressLines(logger: Logger): (line: string) => void {
  return (line) => {
    const text = line.trim();
    if (
      /^(I: Retrieving|I: Extracting|I: Installing|I: Configuring|Unpacking|Setting up|Get:)/.test(
        text,
      )
    ) {
      logger.progress(`    ${text}`);
    }
  };
}
