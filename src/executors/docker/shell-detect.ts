/** The shells GitLab Runner's build container probes, in its order (§2.3). */
export const SHELL_CANDIDATES = [
  '/usr/local/bin/bash',
  '/usr/bin/bash',
  '/bin/bash',
  '/usr/local/bin/sh',
  '/usr/bin/sh',
  '/bin/sh',
  '/busybox/sh',
] as const;

/**
 * The `sh -c` script that becomes the build container's CMD: it execs the first executable
 * shell, which then reads the stage script from stdin. No `-l`: GitLab starts a login shell only
 * when a login shell is asked for, and a login shell would let /etc/profile reset the image's
 * PATH. Written for any POSIX sh (busybox, dash).
 */
export function shellDetectScript(): string {
  const probes = SHELL_CANDIDATES.map(
    (shell, index) => `${index === 0 ? 'if' : 'elif'} [ -x ${shell} ]; then\n\texec ${shell}`,
  ).join('\n');
  return `${probes}\nelse\n\techo shell not found\n\texit 1\nfi\n`;
}

/** The build container's Cmd: `sh -c <detect>`; the image ENTRYPOINT, if any, runs in front. */
export function buildContainerCmd(): string[] {
  return ['sh', '-c', shellDetectScript()];
}
