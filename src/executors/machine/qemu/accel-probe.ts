import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '../../../core/logger.js';
import { PROBE_MARKER } from '../image/guest-scripts.js';
import type { Accelerator } from './qemu-args.js';
import { QEMU_BINARY, sleep, spawnQemu } from './qemu-process.js';

/**
 * Whether KVM really runs our kernel here. /dev/kvm can exist and answer ioctls yet be unable to
 * run a stock kernel (a software hypervisor such as kvm_pvm: QEMU aborts on an MSR, or the guest
 * dies early), so the only honest test is a very short boot: the initrd prints a marker and
 * powers off when the kernel command line has `dockhand.probe=1`.
 */
export async function probeKvm(
  kernel: string,
  initrd: string,
  timeoutMs = 8_000,
  binary = QEMU_BINARY,
): Promise<{ readonly works: boolean; readonly why: string }> {
  const usable = await access('/dev/kvm', constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!usable) return { works: false, why: '/dev/kvm is missing or not accessible' };
  const dir = await mkdtemp(join(tmpdir(), 'dockhand-kvm-probe-'));
  const consoleLog = join(dir, 'console.log');
  try {
    const qemu = await spawnQemu(
      [
        '-M',
        'pc',
        '-accel',
        'kvm',
        '-cpu',
        'host',
        '-m',
        '256',
        '-nodefaults',
        '-no-user-config',
        '-display',
        'none',
        '-no-reboot',
        '-kernel',
        kernel,
        '-initrd',
        initrd,
        '-append',
        'console=ttyS0 panic=-1 quiet dockhand.probe=1',
        '-chardev',
        `file,id=c,path=${consoleLog}`,
        '-serial',
        'chardev:c',
      ],
      binary,
    );
    const outcome = await Promise.race([
      qemu.exited.then(() => 'exited'),
      sleep(timeoutMs).then(() => 'timeout'),
    ]);
    if (outcome === 'timeout') {
      try {
        process.kill(qemu.pid, 'SIGKILL');
      } catch {
        // gone
      }
      await qemu.exited;
    }
    const text = await readFile(consoleLog, 'utf8').catch(() => '');
    if (text.includes(PROBE_MARKER))
      return { works: true, why: 'a probe boot under KVM succeeded' };
    const firstError = qemu.stderr().split('\n')[0] ?? '';
    return {
      works: false,
      why:
        outcome === 'timeout'
          ? 'a probe boot under KVM hung'
          : `a probe boot under KVM failed${firstError === '' ? '' : `: ${firstError}`}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const memo = new Map<string, Accelerator>();

/** The probe's answer is kept next to the kernel for this host boot (boot_id) only. */
async function cachedProbe(
  kernel: string,
): Promise<{ accel: Accelerator; why: string } | undefined> {
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  const text = await readFile(join(dirname(kernel), 'accel-probe.json'), 'utf8').catch(() => '');
  try {
    const saved = JSON.parse(text) as { bootId: string; accel: Accelerator; why: string };
    return saved.bootId === bootId && bootId !== '' ? saved : undefined;
  } catch {
    return undefined;
  }
}

async function saveProbe(kernel: string, accel: Accelerator, why: string): Promise<void> {
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  await writeFile(
    join(dirname(kernel), 'accel-probe.json'),
    JSON.stringify({ bootId, accel, why }),
  ).catch(() => undefined);
}

/**
 * The accelerator to use: `kvm` when a probe boot works, else `tcg` with a one-line notice.
 * Probed once per host boot and kernel (the answer is cached next to the kernel).
 */
export async function chooseAccelerator(
  kernel: string,
  initrd: string,
  logger: Logger,
  binary = QEMU_BINARY,
): Promise<Accelerator> {
  const known = memo.get(kernel);
  if (known !== undefined) return known;
  const saved = await cachedProbe(kernel);
  const probe: { accel: Accelerator; why: string } =
    saved ??
    (await probeKvm(kernel, initrd, 8_000, binary).then((p) => ({
      accel: p.works ? 'kvm' : 'tcg',
      why: p.why,
    })));
  if (saved === undefined) await saveProbe(kernel, probe.accel, probe.why);
  if (probe.accel === 'tcg') logger.info(`VMs run under software emulation (TCG): ${probe.why}`);
  memo.set(kernel, probe.accel);
  return probe.accel;
}
