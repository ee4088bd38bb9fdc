import { AGENT_PORT_NAME, GUEST_ENGINE_PORT } from '../image/guest-scripts.js';

export type Accelerator = 'kvm' | 'tcg';

/** Everything that varies between QEMU launches; the rest of the machine is fixed. */
export interface QemuLaunch {
  readonly accel: Accelerator;
  readonly kernel: string;
  readonly initrd: string;
  readonly disk: { readonly path: string; readonly format: 'raw' | 'qcow2' };
  /** Host port on 127.0.0.1 forwarded to the guest engine; undefined: no forward (image prep). */
  readonly hostPort?: number;
  readonly memoryMiB: number;
  readonly cpus: number;
  /** `run` (keep dockerd up) or `prep` (load baked images, power off). */
  readonly mode: 'run' | 'prep';
  /** Extra dockerd flags for the guest, e.g. `--registry-mirror=…` (no spaces inside one flag). */
  readonly dockerdFlags?: readonly string[];
  readonly consoleLog: string;
  readonly qmpSocket: string;
  readonly agentSocket: string;
  readonly pidFile: string;
  /** Restore from a saved memory state instead of booting. */
  readonly incoming?: string;
  /**
   * A user-net `guestfwd` value (registry-forward.ts): the one address the guest may reach. Not
   * part of the saved state, so restores may add it to a snapshot saved without it.
   */
  readonly guestForward?: string;
}

/** TCG keeps ~256 MB of translated code: the best speed for memory trade measured here. */
const TCG_TB_MIB = 256;

/** The kernel command line. It is part of the saved state: snapshot and restores share it. */
export function kernelCommandLine(launch: Pick<QemuLaunch, 'mode' | 'dockerdFlags'>): string {
  const flags = launch.dockerdFlags ?? [];
  for (const flag of flags) {
    if (/[\s,]/.test(flag)) throw new Error(`dockerd flag "${flag}" may not contain spaces or ","`);
  }
  return [
    'console=ttyS0',
    'root=/dev/vda',
    'rw',
    'panic=1',
    'quiet',
    // TCG cannot calibrate the TSC reliably; a fixed frequency avoids rare early-boot hangs.
    'tsc=reliable',
    'no_timer_check',
    `dockhand.mode=${launch.mode}`,
    ...(flags.length === 0 ? [] : [`dockhand.dockerd=${flags.join(',')}`]),
  ].join(' ');
}

/**
 * The QEMU command line. Devices, their order and the kernel command line must be identical
 * between the VM that was saved and the VMs restored from it; only file paths, the forwarded
 * port and `-incoming` may differ.
 */
export function qemuArgs(launch: QemuLaunch): string[] {
  const accel =
    launch.accel === 'kvm'
      ? ['-accel', 'kvm', '-cpu', 'host']
      : ['-accel', `tcg,tb-size=${TCG_TB_MIB}`];
  // restrict=on: the guest reaches no network at all; only the forward below reaches the guest,
  // and it listens on the host's loopback only.
  const forward =
    launch.hostPort === undefined
      ? ''
      : `,hostfwd=tcp:127.0.0.1:${launch.hostPort}-:${GUEST_ENGINE_PORT}`;
  const guestfwd =
    launch.guestForward === undefined
      ? ''
      : `,guestfwd=${launch.guestForward.replaceAll(',', ',,')}`;
  const discard = launch.disk.format === 'raw' ? ',discard=unmap' : '';
  return [
    '-M',
    'pc',
    ...accel,
    '-m',
    String(launch.memoryMiB),
    '-smp',
    String(launch.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-kernel',
    launch.kernel,
    '-initrd',
    launch.initrd,
    '-append',
    kernelCommandLine(launch),
    '-drive',
    `id=d0,if=none,file=${launch.disk.path},format=${launch.disk.format},cache=unsafe${discard}`,
    '-device',
    'virtio-blk-pci,drive=d0',
    '-netdev',
    `user,id=n0,restrict=on${forward}${guestfwd}`,
    '-device',
    'virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56',
    '-device',
    'virtio-rng-pci',
    '-device',
    'virtio-serial-pci',
    '-chardev',
    `socket,id=agent,path=${launch.agentSocket},server=on,wait=off`,
    '-device',
    `virtserialport,chardev=agent,name=${AGENT_PORT_NAME}`,
    '-chardev',
    `file,id=console,path=${launch.consoleLog}`,
    '-serial',
    'chardev:console',
    '-qmp',
    `unix:${launch.qmpSocket},server=on,wait=off`,
    '-pidfile',
    launch.pidFile,
    ...(launch.incoming === undefined ? [] : ['-incoming', launch.incoming]),
  ];
}
