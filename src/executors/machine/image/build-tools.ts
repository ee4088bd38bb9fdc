/**
 * The host helpers the VM image build needs. They live in src/images (the seed images use them
 * too); src/executors may not import src/images, so the composition root (the CLI command)
 * passes them in. Their shapes match src/images/host-command.ts and src/images/rootfs.ts.
 */
export interface RunHostOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly onLine?: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly hint?: string;
}

export type RunHost = (
  command: string,
  args: readonly string[],
  options?: RunHostOptions,
) => Promise<void>;

export interface ImageBuildTools {
  readonly runHost: RunHost;
  readonly debootstrapRootfs: (
    root: string,
    mirror: string,
    onLine: (line: string) => void,
    signal?: AbortSignal,
  ) => Promise<void>;
  readonly installPackages: (
    root: string,
    packages: readonly string[],
    downloadDir: string,
    onLine: (line: string) => void,
    signal?: AbortSignal,
  ) => Promise<void>;
  readonly copyTree: (from: string, to: string) => Promise<void>;
}

/** Runs a host command and returns its output lines (for short queries such as dpkg-deb -f). */
export async function captureHost(
  runHost: RunHost,
  command: string,
  args: readonly string[],
  options: RunHostOptions = {},
): Promise<string[]> {
  const lines: string[] = [];
  await runHost(command, args, { ...options, onLine: (line) => lines.push(line) });
  return lines;
}
