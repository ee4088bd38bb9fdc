/**
 * Whether a PID is a live process on this host: `kill(pid, 0)` probes without signalling, and
 * EPERM still means "exists, not ours". 0 and negative numbers are never a process (kill would
 * address a process group instead).
 */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
