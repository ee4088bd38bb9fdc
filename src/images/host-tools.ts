import { access, readFile } from 'node:fs/promises';
import { EnvironmentError } from '../core/errors.js';

/**
 * The Debian mirror the host's apt uses, so that offline builds (seeded images, the VM image)
 * work where only a local mirror is reachable.
 */
export async function hostDebianMirror(): Promise<string> {
  const deb822 = await readFile('/etc/apt/sources.list.d/debian.sources', 'utf8').catch(() => '');
  const uri = /^URIs:\s*(\S+)/m.exec(deb822)?.[1];
  if (uri !== undefined && !uri.includes('security')) return uri;
  const legacy = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(legacy)?.[1];
  return line ?? 'http://deb.debian.org/debian';
}

/** Path of the static busybox binary (Debian's busybox-static installs /bin/busybox). */
export async function findBusybox(): Promise<string> {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox']) {
    const present = await access(candidate).then(
      () => true,
      () => false,
    );
    if (present) return candidate;
  }
  throw new EnvironmentError('host.no-busybox', 'busybox is not installed', {
    hint: 'install the static build: apt-get install busybox-static',
  });
}
