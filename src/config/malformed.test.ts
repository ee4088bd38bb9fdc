import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import { formatProblem } from './problems.js';

/** Each malformed file gives exactly this first error (formatted), pinned verbatim. */
const cases: readonly { name: string; text: string; expected: string }[] = [
  {
    name: 'TOML syntax error',
    text: 'concurrent = 2\n[[runners]]\n  name = "a\n',
    expected:
      'config.toml:3:12: TOML syntax error: Unterminated string constant\n' +
      '  hint: fix the TOML syntax at this position (https://toml.io/en/v1.0.0)',
  },
  {
    name: 'a key defined twice',
    text: '[[runners]]\n  executor = "shell"\n  executor = "docker"\n',
    expected:
      'config.toml:3:3: TOML syntax error: Defining a key multiple times is invalid\n' +
      '  hint: fix the TOML syntax at this position (https://toml.io/en/v1.0.0)',
  },
  {
    name: 'wrong type (quoted integer)',
    text: '[[runners]]\n  name = "a"\n  executor = "shell"\n  limit = "4"\n',
    expected:
      'config.toml:4:3: runners[0].limit: expected an integer, got a string ("4")\n' +
      '  hint: write limit = 4 (without quotes)',
  },
  {
    name: 'wrong type (boolean as string)',
    text: '[[runners]]\n  executor = "docker"\n  [runners.docker]\n    image = "a"\n    privileged = "yes"\n',
    expected:
      'config.toml:5:5: runners[0].docker.privileged: expected true or false, got a string ("yes")\n' +
      '  hint: write privileged = true or privileged = false, without quotes',
  },
  {
    name: 'wrong type never shows a token',
    text: '[[runners]]\n  executor = "shell"\n  token = 12345\n',
    expected:
      'config.toml:3:3: runners[0].token: expected a string, got an integer (12345)\n' +
      '  hint: write token = "12345"',
  },
  {
    name: 'bad executor',
    text: concurrentOne('[[runners]]\n  name = "a"\n  executor = "dokcer"\n'),
    expected:
      'config.toml:4:3: runners[0].executor: unknown executor "dokcer"\n' +
      '  hint: did you mean "docker"? dockhand runs: shell, docker, docker+machine',
  },
  {
    name: 'missing executor',
    text: '[[runners]]\n  name = "a"\n',
    expected:
      'config.toml:1:1: runners[0]: missing executor\n' +
      '  hint: add executor = "docker"; dockhand runs: shell, docker, docker+machine',
  },
  {
    name: 'MachineName without %s',
    text:
      '[[runners]]\n  executor = "docker+machine"\n  [runners.docker]\n    image = "a"\n' +
      '  [runners.machine]\n    MachineDriver = "qemu"\n    MachineName = "runner"\n',
    expected:
      'config.toml:7:5: runners[0].machine.MachineName: MachineName "runner" must contain %s\n' +
      '  hint: %s is replaced by a unique id per VM, e.g. MachineName = "runner-%s"',
  },
  {
    name: 'docker+machine without [runners.machine]',
    text: '[[runners]]\n  executor = "docker+machine"\n  [runners.docker]\n    image = "a"\n',
    expected:
      'config.toml:1:1: runners[0]: executor "docker+machine" needs a [runners.machine] section\n' +
      '  hint: add [runners.machine] with MachineName = "dockhand-%s" and MachineDriver',
  },
  {
    name: 'bad volume',
    text: '[[runners]]\n  executor = "docker"\n  [runners.docker]\n    image = "a"\n    volumes = ["/cache", "cache"]\n',
    expected:
      'config.toml:5:26: runners[0].docker.volumes[1]: invalid volume "cache": the container path "cache" must be absolute\n' +
      '  hint: write "/path" for a cache volume or "host-path:/container/path[:ro]" for a bind mount',
  },
  {
    name: 'bad volume mode',
    text: '[[runners]]\n  executor = "docker"\n  [runners.docker]\n    image = "a"\n    volumes = ["/srv:/srv:rx"]\n',
    expected:
      'config.toml:5:16: runners[0].docker.volumes[0]: invalid volume "/srv:/srv:rx": unknown mount mode "rx" (use ro or rw)\n' +
      '  hint: write "/path" for a cache volume or "host-path:/container/path[:ro]" for a bind mount',
  },
  {
    name: 'duplicate runner names',
    text: 'concurrent = 2\n[[runners]]\n  name = "a"\n  executor = "shell"\n[[runners]]\n  name = "a"\n  executor = "shell"\n',
    expected:
      'config.toml:6:3: runners[1].name: duplicate runner name "a"\n' +
      '  hint: runners[0] (line 2) has the same name; give each [[runners]] a unique name',
  },
  {
    name: 'concurrent = 0',
    text: 'concurrent = 0\n[[runners]]\n  executor = "shell"\n',
    expected:
      'config.toml:1:1: concurrent: concurrent must be at least 1 (got 0)\n' +
      '  hint: write concurrent = 1 or more: the number of jobs to run at once',
  },
  {
    name: 'negative limit',
    text: '[[runners]]\n  executor = "shell"\n  limit = -1\n',
    expected:
      'config.toml:3:3: runners[0].limit: limit cannot be negative (-1)\n' +
      '  hint: write limit = 0 for no limit, or the number of jobs this runner may run at once',
  },
  {
    name: 'bad cron period',
    text:
      '[[runners]]\n  executor = "docker+machine"\n  [runners.docker]\n    image = "a"\n' +
      '  [runners.machine]\n    MachineDriver = "qemu"\n    MachineName = "m-%s"\n' +
      '    [[runners.machine.autoscaling]]\n      Periods = ["* * 9-17 * * mon-fry *"]\n',
    expected:
      'config.toml:9:18: runners[0].machine.autoscaling[0].Periods[0]: invalid cron expression "* * 9-17 * * mon-fry *": day-of-week: "fry" is not a day-of-week value\n' +
      '  hint: Periods use 7 fields "second minute hour day-of-month month day-of-week year" (or 5 or 6), e.g. "* * 9-17 * * mon-fri *"',
  },
  {
    name: 'bad Go duration',
    text: '[[runners]]\n  executor = "shell"\n  unhealthy_interval = "1 hour"\n',
    expected:
      'config.toml:3:3: runners[0].unhealthy_interval: expected a Go duration, got a string ("1 hour")\n' +
      '  hint: write a number with a unit (ns, us, ms, s, m, h), e.g. unhealthy_interval = "1h30m"',
  },
  {
    name: 'duration where seconds are expected',
    text: 'check_interval = "30s"\n',
    expected:
      'config.toml:1:1: check_interval: expected an integer number of seconds, got a string ("30s")\n' +
      '  hint: write check_interval = 3',
  },
  {
    name: 'bad pull policy',
    text: '[[runners]]\n  executor = "docker"\n  [runners.docker]\n    image = "a"\n    pull_policy = ["alwyas"]\n',
    expected:
      'config.toml:5:20: runners[0].docker.pull_policy[0]: unknown pull_policy "alwyas"\n' +
      '  hint: did you mean "always"? one of: always, if-not-present, never',
  },
  {
    name: '[runners] instead of [[runners]]',
    text: '[runners]\n  executor = "shell"\n',
    expected:
      'config.toml:1:1: runners: expected an array of tables [[runners]]\n' +
      '  hint: write [[runners]] with double brackets, once per entry',
  },
];

function concurrentOne(text: string): string {
  return `concurrent = 1\n${text}`;
}

describe('malformed files give the exact message at the exact line', () => {
  it.each(cases)('$name', ({ text, expected }) => {
    const { errors } = parseConfig(text, 'config.toml');
    expect(errors.length).toBeGreaterThan(0);
    expect(formatProblem(errors[0]!)).toBe(expected);
  });
});

describe('warnings', () => {
  const warningsOf = (text: string) =>
    parseConfig(text, 'config.toml').warnings.map((w) => formatProblem(w));

  it('unknown key with did-you-mean', () => {
    expect(
      warningsOf(
        '[[runners]]\n  executor = "docker"\n  [runners.docker]\n    imgae = "a"\n    image = "a"\n',
      ),
    ).toEqual([
      'config.toml:4:5: runners[0].docker.imgae: unknown key "imgae" in [runners.docker]\n  hint: did you mean "image"?',
    ]);
  });

  it('recognised but not honoured', () => {
    expect(warningsOf('[session_server]\n  session_timeout = 1800\n')).toContain(
      'config.toml:2:3: session_server.session_timeout: recognised but not honoured by dockhand yet\n' +
        '  hint: dockhand reads the file but does not act on session_timeout; see docs/configuration.md',
    );
  });

  it('PascalCase machine keys written in another case are accepted with a warning', () => {
    const result = parseConfig(
      '[[runners]]\n  executor = "docker+machine"\n  [runners.docker]\n    image = "a"\n  [runners.machine]\n    MachineDriver = "qemu"\n    MachineName = "m-%s"\n    maxbuilds = 1\n',
      'config.toml',
    );
    expect(result.errors).toEqual([]);
    expect(result.config.runners[0]?.machine?.maxBuilds).toBe(1);
    expect(result.warnings.map((w) => w.code)).toEqual(['key-case']);
  });

  it('limit above concurrent, concurrent below the number of runners', () => {
    expect(
      warningsOf(
        'concurrent = 1\n[[runners]]\n  name = "a"\n  executor = "shell"\n  limit = 3\n[[runners]]\n  name = "b"\n  executor = "shell"\n',
      ),
    ).toEqual([
      'config.toml:1:1: concurrent: concurrent = 1 is less than the 2 [[runners]] entries\n  hint: at most 1 job(s) run at once across all runners; raise concurrent to at least 2',
      'config.toml:5:3: runners[0].limit: limit = 3 is above concurrent = 1\n  hint: at most 1 job(s) run at once; raise concurrent or lower limit',
    ]);
  });

  it('an integer where GitLab wants a float', () => {
    expect(
      warningsOf(
        '[[runners]]\n  executor = "docker+machine"\n  [runners.docker]\n    image = "a"\n  [runners.machine]\n    MachineDriver = "q"\n    MachineName = "m-%s"\n    IdleScaleFactor = 1\n',
      ),
    ).toEqual([
      'config.toml:8:5: runners[0].machine.IdleScaleFactor: IdleScaleFactor is written as an integer\n  hint: GitLab Runner rejects an integer here; write IdleScaleFactor = 1.0',
    ]);
  });
});
