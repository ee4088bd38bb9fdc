import { isIP } from 'node:net';
import { ConfigError } from '../../../core/errors.js';

/**
 * The one network path a VM may have: a user-net `guestfwd` from a fixed guest address to a
 * registry port on the host's loopback (`MachineOptions = ["qemu-registry-forward=127.0.0.1:5000"]`).
 * Everything else stays unreachable (`restrict=on`). Jobs push to `10.0.2.100:<port>`.
 */
export interface RegistryForward {
  /** Loopback address on the host, e.g. `127.0.0.1`. */
  readonly hostAddress: string;
  /** Port on the host, and the same port on the guest address. */
  readonly port: number;
}

/** The guest-side address of the forward: inside user-net's 10.0.2.0/24, unused by QEMU. */
export const REGISTRY_GUEST_ADDRESS = '10.0.2.100';

/** The MachineOptions key. */
export const REGISTRY_FORWARD_OPTION = 'qemu-registry-forward';

/**
 * Parses `qemu-registry-forward=HOST:PORT`. Only loopback hosts are accepted: forwarding to any
 * other address would hand the guest a route into the host's networks.
 */
export function registryForwardFromOptions(
  options: Readonly<Record<string, string>>,
): RegistryForward | undefined {
  const text = options[REGISTRY_FORWARD_OPTION];
  if (text === undefined) return undefined;
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const host = match?.[1] === 'localhost' ? '127.0.0.1' : match?.[1];
  const port = Number(match?.[2]);
  const loopback = host !== undefined && isIP(host) === 4 && host.startsWith('127.');
  if (!loopback || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(
      'machine.option',
      `MachineOptions ${REGISTRY_FORWARD_OPTION}=${text} is not a loopback HOST:PORT`,
      {
        hint: `e.g. "${REGISTRY_FORWARD_OPTION}=127.0.0.1:5000" (VMs may reach only a registry on the host's loopback)`,
      },
    );
  }
  return { hostAddress: host, port };
}

/** The registry as jobs in the VM name it (`CI_REGISTRY`). */
export function guestRegistry(forward: RegistryForward): string {
  return `${REGISTRY_GUEST_ADDRESS}:${forward.port}`;
}

/**
 * The guest engine speaks plain HTTP to the forwarded registry (TLS would need a certificate
 * for 10.0.2.100); the forward only ever reaches the host's loopback.
 */
export function registryDockerdFlags(forward: RegistryForward | undefined): string[] {
  return forward === undefined ? [] : [`--insecure-registry=${guestRegistry(forward)}`];
}

/**
 * The program QEMU runs for each guest connection (`guestfwd=…-cmd:`), with that connection on
 * stdin and stdout. A per-connection program, not a `tcp:` chardev: a chardev is one connection
 * for the VM's lifetime, so concurrent or successive HTTP connections (a push uses several)
 * would share and break it. Node is used because it is the one runtime the host surely has.
 * It writes nothing to stderr: stderr is the guest's connection too.
 */
export const FORWARDER_SCRIPT = `import { connect } from 'node:net';
const upstream = connect(Number(process.argv[3]), process.argv[2]);
const quit = () => process.exit(0);
for (const s of [upstream, process.stdin, process.stdout]) s.on('error', quit);
upstream.on('close', quit);
process.stdin.pipe(upstream);
upstream.pipe(process.stdout);
`;

/** The `guestfwd` value (QEMU option syntax: commas doubled). */
export function guestfwdValue(
  forward: RegistryForward,
  nodeBinary: string,
  scriptPath: string,
): string {
  for (const part of [nodeBinary, scriptPath]) {
    // g_shell_parse_argv splits the command on blanks; QEMU's option parser owns commas.
    if (/[\s,'"\\]/.test(part)) throw new Error(`path "${part}" cannot be used in guestfwd`);
  }
  return `tcp:${guestRegistry(forward)}-cmd:${nodeBinary} ${scriptPath} ${forward.hostAddress} ${forward.port}`;
}
