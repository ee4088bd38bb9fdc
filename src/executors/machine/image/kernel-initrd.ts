import {
  chmod,
  copyFile,
  cp,
  mkdir,
  open,
  readdir,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EnvironmentError } from '../../../core/errors.js';
import { captureHost, type RunHost } from './build-tools.js';
import { INITRD_INIT } from './guest-scripts.js';

export interface KernelFiles {
  /** e.g. 6.1.0-56-cloud-amd64 */
  readonly version: string;
  readonly vmlinuz: string;
  /** /lib/modules/<version> of the unpacked package. */
  readonly modulesDir: string;
}

/**
 * Downloads the cloud kernel package on the host and unpacks it (no maintainer scripts: the
 * guest needs no initramfs-tools). The metapackage names the versioned package it depends on.
 */
export async function fetchKernel(
  runHost: RunHost,
  metaPackage: string,
  workDir: string,
  onLine: (line: string) => void,
): Promise<KernelFiles> {
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const hint = 'apt-get must reach a Debian mirror; run `apt-get update` first';
  await runHost('apt-get', ['download', metaPackage], { cwd: workDir, onLine, hint });
  const meta = (await readdir(workDir)).find((f) => f.endsWith('.deb'));
  if (meta === undefined)
    throw new EnvironmentError('vm-image.kernel', `no ${metaPackage} package downloaded`);
  const depends = (
    await captureHost(runHost, 'dpkg-deb', ['-f', join(workDir, meta), 'Depends'])
  ).join(' ');
  const image = /\b(linux-image-[0-9][^\s,(]*)/.exec(depends)?.[1];
  if (image === undefined) {
    throw new EnvironmentError(
      'vm-image.kernel',
      `${metaPackage} names no kernel image (Depends: ${depends})`,
    );
  }
  await runHost('apt-get', ['download', image], { cwd: workDir, onLine, hint });
  const deb = (await readdir(workDir)).find((f) => f.startsWith(`${image}_`) && f.endsWith('.deb'));
  if (deb === undefined)
    throw new EnvironmentError('vm-image.kernel', `${image} was not downloaded`);
  const unpacked = join(workDir, 'x');
  await runHost('dpkg-deb', ['-x', join(workDir, deb), unpacked]);
  const version = image.slice('linux-image-'.length);
  return {
    version,
    vmlinuz: join(unpacked, 'boot', `vmlinuz-${version}`),
    modulesDir: join(unpacked, 'lib', 'modules', version),
  };
}

/** Magic numbers of the compressors a Debian kernel may use, and the tool that undoes each. */
const COMPRESSORS: readonly { magic: Buffer; tool: string; args: string[] }[] = [
  { magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]), tool: 'lz4', args: ['-dc'] },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: 'zstd', args: ['-dc'] },
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: 'xz', args: ['-dc'] },
  { magic: Buffer.from([0x1f, 0x8b, 0x08]), tool: 'gzip', args: ['-dc'] },
];

/**
 * The uncompressed kernel ELF (PVH entry: it boots faster under TCG), found the way the kernel's
 * scripts/extract-vmlinux does: look for a compressor's magic inside the bzImage and decompress
 * from there. Falls back to the bzImage itself when nothing yields an ELF.
 */
export async function extractVmlinux(
  runHost: RunHost,
  vmlinuz: string,
  target: string,
): Promise<boolean> {
  const image = await readFile(vmlinuz);
  for (const { magic, tool, args } of COMPRESSORS) {
    let at = image.indexOf(magic);
    while (at >= 0) {
      const tail = `${target}.part`;
      await writeFile(tail, image.subarray(at));
      // Trailing data after the stream makes the tool exit non-zero; the ELF check decides.
      await runHost('sh', [
        '-c',
        `${tool} ${args.join(' ')} < '${tail}' > '${target}' 2>/dev/null; true`,
      ]);
      await rm(tail, { force: true });
      if (await isElf(target)) return true;
      at = image.indexOf(magic, at + 1);
    }
  }
  await copyFile(vmlinuz, target);
  return false;
}

async function isElf(path: string): Promise<boolean> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return false;
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    await handle.close();
  }
}

/** The modules `wanted` needs, dependencies first, from a depmod-generated modules.dep. */
export function resolveModules(modulesDep: string, wanted: readonly string[]): string[] {
  const deps = new Map<string, string[]>();
  for (const line of modulesDep.split('\n')) {
    const [path, rest] = line.split(':');
    if (path === undefined || rest === undefined) continue;
    deps.set(path.trim(), rest.trim() === '' ? [] : rest.trim().split(/\s+/));
  }
  const byName = (name: string) =>
    [...deps.keys()].find(
      (p) =>
        basename(p)
          .replace(/\.ko(\.\w+)?$/, '')
          .replace(/-/g, '_') === name,
    );
  const ordered: string[] = [];
  const visit = (path: string) => {
    if (ordered.includes(path)) return;
    for (const dep of deps.get(path) ?? []) visit(dep);
    ordered.push(path);
  };
  for (const name of wanted) {
    const path = byName(name);
    if (path === undefined)
      throw new EnvironmentError('vm-image.modules', `kernel module ${name} not found`);
    visit(path);
  }
  return ordered;
}

/**
 * A tiny initrd: static busybox, the modules that reach the root disk, and an init that mounts
 * /dev/vda and switches to it. Packed as a newc cpio with busybox's own cpio.
 */
export async function buildInitrd(
  runHost: RunHost,
  options: {
    busybox: string;
    modulesDir: string;
    modules: readonly string[];
    workDir: string;
    target: string;
  },
): Promise<void> {
  const dir = options.workDir;
  await rm(dir, { recursive: true, force: true });
  for (const sub of ['bin', 'dev', 'proc', 'modules', 'newroot'])
    await mkdir(join(dir, sub), { recursive: true });
  await copyFile(options.busybox, join(dir, 'bin/busybox'));
  await chmod(join(dir, 'bin/busybox'), 0o755);
  await writeFile(join(dir, 'init'), INITRD_INIT, { mode: 0o755 });
  const order = resolveModules(
    await readFile(join(options.modulesDir, 'modules.dep'), 'utf8'),
    options.modules,
  );
  for (const path of order)
    await cp(join(options.modulesDir, path), join(dir, 'modules', basename(path)));
  await writeFile(join(dir, 'modules.order'), order.map((p) => basename(p)).join('\n') + '\n');
  await runHost('sh', [
    '-c',
    `cd '${dir}' && find . | '${options.busybox}' cpio -o -H newc > '${options.target}'`,
  ]);
}
