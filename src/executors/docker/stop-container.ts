import type { Engine } from '../../engine/engine.js';

/**
 * Run with `sh -c` in the build container on cancel or timeout: SIGTERM to every process except
 * PID 1 (the shell reading the stage script, which ignores SIGTERM) and this script, highest PID
 * first (children before the shells waiting for them, so a `trap … TERM` runs at once), then a
 * wait of at most `$1` seconds for them to end. The listing and the signals use shell builtins
 * only, so the list holds no process of the script's own (its `sleep`s come later). A zombie
 * nobody reaps counts as alive: the wait then lasts the whole grace, still bounded.
 */
const TERMINATE_SCRIPT = `
self=$$
grace=\${1:-10}
pids=
for dir in /proc/[0-9]*; do
  pid=\${dir#/proc/}
  case "$pid" in 1|"$self") continue ;; esac
  pids="$pid $pids"
done
sorted=
for pid in $pids; do
  rest=
  placed=
  for other in $sorted; do
    if [ -z "$placed" ] && [ "$pid" -gt "$other" ]; then rest="$rest $pid"; placed=1; fi
    rest="$rest $other"
  done
  [ -z "$placed" ] && rest="$rest $pid"
  sorted=$rest
done
for pid in $sorted; do kill -TERM "$pid" 2>/dev/null; done
waited=0
while [ "$waited" -lt "$((grace * 10))" ]; do
  alive=
  for pid in $sorted; do [ -d "/proc/$pid" ] && alive=1 && break; done
  [ -z "$alive" ] && exit 0
  if sleep 0.1 2>/dev/null; then waited=$((waited + 1)); else sleep 1; waited=$((waited + 10)); fi
done
exit 1
`;

export interface StopOptions {
  /** Seconds the job's processes get after SIGTERM before they are killed. */
  readonly graceSeconds: number;
  /**
   * `FF_USE_NATIVE_CONTAINER_STOP`: `docker stop` (SIGTERM to PID 1 only, SIGKILL after the
   * grace) instead of the script.
   */
  readonly native: boolean;
}

/**
 * Stops a running stage container as GitLab Runner does (shared/reference/gitlab-runner.md §2.9):
 * the termination script in the container, then `docker stop` with a short grace for PID 1 and
 * whatever ignored SIGTERM. An image without `sh` (or a container that just stopped) falls back
 * to `docker stop` with the full grace. Never throws.
 */
export async function stopStageContainer(
  engine: Engine,
  id: string,
  options: StopOptions,
): Promise<void> {
  let grace = options.graceSeconds;
  if (!options.native) {
    const code = await engine
      .execInContainer(id, {
        cmd: ['sh', '-c', TERMINATE_SCRIPT, 'sh', String(Math.max(1, options.graceSeconds))],
        // The script bounds itself; this only guards against a shell that never returns.
        signal: AbortSignal.timeout((options.graceSeconds + 5) * 1000),
      })
      .catch(() => undefined);
    // The job's processes are gone (0) or had their grace (1): PID 1 gets a moment to finish.
    if (code === 0 || code === 1 || code === -1) grace = 1;
  }
  await engine
    .stopContainer(id, grace)
    .catch(() => engine.killContainer(id).catch(() => undefined));
}
