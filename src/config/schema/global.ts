import { runnerSection } from './runner.js';
import { recognisedOnly, type SectionDecl } from './types.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal', 'panic'] as const;

export const sessionServerSection: SectionDecl = {
  header: '[session_server]',
  description: 'Interactive web terminal endpoint. Not honoured by dockhand yet.',
  keys: recognisedOnly([
    ['listen_address', 'string', 'host:port the session server listens on.'],
    ['advertise_address', 'string', 'host:port GitLab reaches it at.'],
    ['session_timeout', 'seconds', 'Seconds a session stays open (1800).'],
  ]),
  children: [],
};

export const shutdownDrainSection: SectionDecl = {
  header: '[machine.shutdown_drain]',
  description: 'Delete idle docker-machine VMs on shutdown. Not honoured by dockhand yet.',
  keys: recognisedOnly([
    ['enabled', 'boolean', 'Drain VMs on shutdown (false).'],
    ['concurrency', 'integer', 'VMs removed at once (3).'],
    ['max_retries', 'integer', 'Removal retries (3).'],
    ['retry_backoff', 'go-duration', 'Pause between retries ("5s").'],
  ]),
  children: [],
};

export const globalMachineSection: SectionDecl = {
  header: '[machine]',
  description: 'Process-wide docker-machine settings.',
  keys: [],
  children: [{ name: 'shutdown_drain', array: false, section: shutdownDrainSection }],
};

export const globalSection: SectionDecl = {
  header: '(top level)',
  description: 'Process-wide settings, before the first [[runners]].',
  keys: [
    {
      name: 'concurrent',
      kind: 'integer',
      honoured: true,
      default: 1,
      description: 'Jobs running at once across all runners; must be at least 1.',
    },
    {
      name: 'check_interval',
      kind: 'seconds',
      honoured: true,
      default: 3,
      description: 'Seconds between job requests of each runner; 0 or less means 3.',
    },
    {
      name: 'log_level',
      kind: 'string',
      honoured: true,
      default: 'info',
      values: LOG_LEVELS,
      description: `Operator log level: ${LOG_LEVELS.join(', ')}. --log-level wins.`,
    },
    {
      name: 'shutdown_timeout',
      kind: 'seconds',
      honoured: true,
      default: 30,
      description: 'Seconds a forced shutdown may take; 0 or less means 30.',
    },
    ...recognisedOnly([
      ['log_format', 'string', 'runner, text or json.'],
      ['listen_address', 'string', 'host:port for metrics and debug endpoints.'],
      ['sentry_dsn', 'string', 'Sentry DSN for system errors.'],
      [
        'connection_max_age',
        'go-duration',
        'Lifetime of keep-alive connections to GitLab ("15m").',
      ],
      ['user', 'string', 'OS user for the shell executor when run as a service.'],
      ['labels', 'string-map', 'Default labels merged into each runner.'],
    ]),
  ],
  children: [
    { name: 'runners', array: true, section: runnerSection },
    { name: 'session_server', array: false, section: sessionServerSection },
    { name: 'machine', array: false, section: globalMachineSection },
  ],
};
