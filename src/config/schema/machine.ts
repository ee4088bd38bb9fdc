import type { KeyDecl, SectionDecl, ValueKind } from './types.js';

// GitLab Runner spells [runners.machine] keys in PascalCase (Go field names, no toml tags),
// next to snake_case everywhere else. Users' files use these exact names.

const OFF_PEAK_IGNORED =
  'Ignored since GitLab Runner 14.0; use [[runners.machine.autoscaling]] instead.';

function offPeak(name: string, kind: ValueKind): KeyDecl {
  return {
    name,
    kind,
    honoured: false,
    ignored: OFF_PEAK_IGNORED,
    description: `Deprecated. ${OFF_PEAK_IGNORED}`,
  };
}

const idleKeys: readonly KeyDecl[] = [
  {
    name: 'IdleCount',
    kind: 'integer',
    honoured: true,
    default: 0,
    description: 'Idle VMs kept ready; 0 creates a VM only when a job arrives.',
  },
  {
    name: 'IdleCountMin',
    kind: 'integer',
    honoured: true,
    default: 0,
    description: 'Floor of idle VMs when IdleScaleFactor is used (at least 1 then).',
  },
  {
    name: 'IdleScaleFactor',
    kind: 'float',
    honoured: true,
    default: 0,
    description: 'Idle VMs = factor × VMs in use, capped by IdleCount, floored by IdleCountMin.',
  },
  {
    name: 'IdleTime',
    kind: 'seconds',
    honoured: true,
    default: 0,
    description: 'Seconds an idle VM lives while there are more idle VMs than wanted.',
  },
];

export const autoscalingSection: SectionDecl = {
  header: '[[runners.machine.autoscaling]]',
  description:
    'Time windows that override the idle settings; the last matching window wins, none matching uses the [runners.machine] values.',
  keys: [
    {
      name: 'Periods',
      kind: 'string-list',
      honoured: true,
      default: [],
      description:
        'Cron expressions "second minute hour day-of-month month day-of-week year" (5 and 6 field forms too), e.g. "* * 9-17 * * mon-fri *".',
    },
    {
      name: 'Timezone',
      kind: 'string',
      honoured: true,
      defaultText: 'host local time',
      description: 'IANA time zone of Periods, e.g. "Europe/Berlin".',
    },
    ...idleKeys,
  ],
  children: [],
};

export const machineSection: SectionDecl = {
  header: '[runners.machine]',
  description: 'The VM pool of the docker+machine executor: one VM per job or a few jobs.',
  keys: [
    ...idleKeys,
    {
      name: 'MaxGrowthRate',
      kind: 'integer',
      honoured: true,
      default: 0,
      description: 'VMs being created at once; 0 is unlimited.',
    },
    {
      name: 'MaxBuilds',
      kind: 'integer',
      honoured: true,
      default: 0,
      description: 'Jobs per VM before it is removed; 0 is unlimited, 1 makes every VM disposable.',
    },
    {
      name: 'MachineDriver',
      kind: 'string',
      honoured: true,
      description:
        'VM driver name. Any name is accepted here; the machine layer reports drivers that are not available.',
    },
    {
      name: 'MachineName',
      kind: 'string',
      honoured: true,
      description: 'VM name template; must contain %s, replaced by a unique id.',
    },
    {
      name: 'MachineOptions',
      kind: 'string-list',
      honoured: true,
      default: [],
      description:
        'Driver options, "option=value" (docker-machine create --option=value). qemu: qemu-memory=MiB, qemu-cpus=N, engine-registry-mirror=URL, qemu-registry-forward=127.0.0.1:PORT (the VMs\' only network: that host registry, at 10.0.2.100:PORT in the guest).',
    },
    {
      name: 'MachineOptionsWithName',
      kind: 'string-list',
      honoured: false,
      description: 'Options that embed the machine name through %s.',
    },
    {
      name: 'MaxRemovalAttempts',
      kind: 'integer',
      honoured: false,
      description: 'Attempts to remove a VM (30).',
    },
    offPeak('OffPeakPeriods', 'string-list'),
    offPeak('OffPeakTimezone', 'string'),
    offPeak('OffPeakIdleCount', 'integer'),
    offPeak('OffPeakIdleTime', 'seconds'),
  ],
  children: [{ name: 'autoscaling', array: true, section: autoscalingSection }],
};
