import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runHost } from './host-command.js';

const execFileAsync = promisify(execFile);

/**
 * A busybox root filesystem: the static binary, one symlink per applet, and the few files
 * programs expect (/etc/passwd, /tmp).
 */
export async function buildBusyboxRootfs(root: string, busybox: string): Promise<void> {
  for (const dir of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var/tmp', 'usr']) {
    await mkdir(join(root, dir), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  await chmod(join(root, 'var/tmp'), 0o1777);
  await copyFile(busybox, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  const { stdout } = await execFileAsync(busybox, ['--list']);
  for (const applet of stdout.split('\n')) {
    if (applet !== '' && applet !== 'busybox') await symlink('busybox', join(root, 'bin', applet));
  }
  await symlink('../bin', join(root, 'usr/bin'));
  await symlink('bin', join(root, 'sbin'));
  await symlink('../bin', join(root, 'usr/sbin'));
  await writeFile(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

/** Debian minbase with debootstrap, cleaned of caches; services are never started in it. */
export async function debootstrapRootfs(
  root: string,
  mirror: string,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  await rm(root, { recursive: true, force: true });
  await runHost('debootstrap', ['--variant=minbase', 'bookworm', root, mirror], {
    onLine,
    hint: 'debootstrap builds debian:bookworm: install it (apt-get install debootstrap) and run as root',
    ...(signal === undefined ? {} : { signal }),
  });
  await cleanApt(root);
  await writeFile(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
}

async function cleanApt(root: string): Promise<void> {
  for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    const path = join(root, dir);
    const entries = await readdir(path).catch(() => []);
    for (const entry of entries) {
      if (entry !== 'partial' && entry !== 'lock')
        await rm(join(path, entry), { recursive: true, force: true });
    }
  }
  for (const file of ['var/cache/apt/pkgcache.bin', 'var/cache/apt/srcpkgcache.bin']) {
    await rm(join(root, file), { force: true });
  }
}

/**
 * Installs Debian packages into a root filesystem without any network inside it: packages are
 * resolved against the rootfs's own dpkg status and downloaded on the host, then unpacked with
 * dpkg in a chroot.
 */
export async function installPackages(
  root: string,
  packages: readonly string[],
  downloadDir: string,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  await mkdir(join(downloadDir, 'partial'), { recursive: true });
  const base = signal === undefined ? { onLine } : { onLine, signal };
  await runHost(
    'apt-get',
    [
      '-q',
      '-y',
      '--no-install-recommends',
      '-o',
      `Dir::State::status=${join(root, 'var/lib/dpkg/status')}`,
      '-o',
      `Dir::Cache::archives=${downloadDir}`,
      '-o',
      'Debug::NoLocking=1',
      'install',
      '--download-only',
      ...packages,
    ],
    { ...base, hint: 'apt-get must reach a Debian mirror; run `apt-get update` first' },
  );
  const inside = join(root, 'tmp/dockhand-debs');
  await mkdir(inside, { recursive: true });
  const debs = (await readdir(downloadDir)).filter((name) => name.endsWith('.deb'));
  for (const deb of debs) await copyFile(join(downloadDir, deb), join(inside, deb));
  await runHost('chroot', [root, 'sh', '-c', 'dpkg -i /tmp/dockhand-debs/*.deb'], {
    ...base,
    env: {
      ...process.env,
      DEBIAN_FRONTEND: 'noninteractive',
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    },
    hint: 'installing packages into the image needs root (chroot)',
  });
  await rm(inside, { recursive: true, force: true });
  await rm(join(root, 'var/log'), { recursive: true, force: true });
  await mkdir(join(root, 'var/log'), { recursive: true });
}

/** `cp -a` keeps owners, modes, links and device nodes exactly. */
export async function copyTree(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await runHost('cp', ['-a', from, to]);
}
