/**
 * Label keys put on every container, network, volume and VM dockhand creates, so that a sweeper
 * can find and remove what a crashed run left behind.
 */
export const LABEL_PREFIX = 'dev.dockhand';
export const LABELS = {
  /** Always "true": marks a resource as created by dockhand. */
  managed: `${LABEL_PREFIX}.managed`,
  /** What the resource is: build, service, helper, network, volume, registry, vm. */
  type: `${LABEL_PREFIX}.type`,
  runner: `${LABEL_PREFIX}.runner`,
  job: `${LABEL_PREFIX}.job`,
  /** One id per dockhand process; a sweeper removes resources of sessions that are gone. */
  session: `${LABEL_PREFIX}.session`,
  /** PID of the creating process, so a sweeper can tell whether its owner still lives. */
  pid: `${LABEL_PREFIX}.pid`,
  component: `${LABEL_PREFIX}.component`,
} as const;
