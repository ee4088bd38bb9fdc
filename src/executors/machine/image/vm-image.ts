import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT, INIT_CI, INITRD_INIT, VM_MAIN } from './guest-scripts.js';

/** Debian packages of the guest's root filesystem (on top of minbase). */
export const GUEST_PACKAGES = [
  'docker.io',
  'tini',
  'iproute2',
  'kmod',
  'procps',
  // TLS with each VM's own engine key in front of dockerd's unix socket (guest-scripts.ts AGENT).
  'socat',
] as const;
/** The kernel metapackage; its one dependency is the versioned image package. */
export const KERNEL_PACKAGE = 'linux-image-cloud-amd64';
/** Modules the initrd loads (with their dependencies) to reach the root disk. */
export const INITRD_MODULES = ['virtio_pci', 'virtio_blk'] as const;
/** Images baked into the guest engine so jobs need no registry for them. */
export const BAKED_IMAGES = ['busybox:latest', 'docker:latest', 'docker:dind'] as const;
/** Size of the guest's root filesystem (sparse on the host). */
export const ROOT_DISK_SIZE = '8G';

/** Where one built VM image lives. All paths are inside `dir`. */
export interface VmImagePaths {
  readonly dir: string;
  /** Uncompressed kernel (PVH entry) when extraction worked, else the compressed vmlinuz. */
  readonly kernel: string;
  readonly initrd: string;
  /** Raw ext4 root disk, read-only (0444) once built; every VM writes to its own overlay. */
  readonly base: string;
  /** recipe.json: the digest that built this image. */
  readonly recipe: string;
  /** Client certificate directory (ca.pem, cert.pem, key.pem) for the guest engines. */
  readonly certs: string;
  /** Saved running VM: disk.qcow2 (frozen, over base) + memory.bin + snapshot.json. */
  readonly snapshotDir: string;
}

export function vmImagePaths(cacheDir: string): VmImagePaths {
  const dir = join(cacheDir, 'image');
  return {
    dir,
    kernel: join(dir, 'vmlinux'),
    initrd: join(dir, 'initrd.img'),
    base: join(dir, 'base.img'),
    recipe: join(dir, 'recipe.json'),
    certs: join(dir, 'certs'),
    snapshotDir: join(cacheDir, 'snapshot'),
  };
}

/** `$DOCKHAND_CACHE_DIR/machines`, else /var/cache/dockhand/machines. */
export function defaultMachineCacheDir(env: NodeJS.ProcessEnv): string {
  const fromEnv = env['DOCKHAND_CACHE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return join(fromEnv, 'machines');
  return '/var/cache/dockhand/machines';
}

/** A digest of everything that shapes the image; a change triggers a rebuild. */
export function vmImageRecipeDigest(): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        version: 1,
        packages: GUEST_PACKAGES,
        kernel: KERNEL_PACKAGE,
        modules: INITRD_MODULES,
        images: BAKED_IMAGES,
        size: ROOT_DISK_SIZE,
      }),
    )
    .update(INITRD_INIT)
    .update(INIT_CI)
    .update(VM_MAIN)
    .update(AGENT)
    .digest('hex')
    .slice(0, 16);
}

export interface VmImageRecord {
  readonly digest: string;
  readonly builtAt: string;
  readonly kernelVersion: string;
  readonly kernelUncompressed: boolean;
}

/** The record of the built image, or undefined when none is built (or it is incomplete). */
export async function readVmImage(paths: VmImagePaths): Promise<VmImageRecord | undefined> {
  const text = await readFile(paths.recipe, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as VmImageRecord;
  } catch {
    return undefined;
  }
}

/** True when an image built from the current recipe is present. */
export async function vmImageIsCurrent(paths: VmImagePaths): Promise<boolean> {
  return (await readVmImage(paths))?.digest === vmImageRecipeDigest();
}
