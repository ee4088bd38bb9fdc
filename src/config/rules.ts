import type { Reporter } from './reporter.js';
import { globalSection } from './schema/global.js';
import { runnerSection } from './schema/runner.js';
import { childSections, SectionReader } from './section-reader.js';
import type { RunnerConfig, RunnerSection } from './types.js';
import type { CheckedSection } from './walk.js';

/** Rules that look at more than one key. Each reports and returns nothing. */
interface RuleContext {
  readonly config: RunnerConfig;
  readonly root: CheckedSection;
  readonly report: Reporter;
}

interface RunnerContext extends RuleContext {
  readonly runner: RunnerSection;
  readonly checked: CheckedSection;
  readonly reader: SectionReader;
}

function concurrentRule({ root, report }: RuleContext): void {
  const global = new SectionReader(globalSection, root, []);
  if (global.has('concurrent') && global.num('concurrent') < 1) {
    report.error({
      code: 'bad-value',
      path: ['concurrent'],
      message: `concurrent must be at least 1 (got ${global.num('concurrent')})`,
      hint: 'write concurrent = 1 or more: the number of jobs to run at once',
    });
  }
  const count = childSections(root, 'runners').length;
  const concurrent = Math.max(1, global.num('concurrent'));
  if (count > concurrent) {
    report.warning({
      code: 'concurrent-below-runners',
      path: ['concurrent'],
      at: global.has('concurrent') ? ['concurrent'] : { line: 1, column: 1 },
      message: `concurrent = ${concurrent} is less than the ${count} [[runners]] entries`,
      hint: `at most ${concurrent} job(s) run at once across all runners; raise concurrent to at least ${count}`,
    });
  }
}

function noRunnersRule({ root, report }: RuleContext): void {
  if (root.written.has('runners')) return;
  report.warning({
    code: 'no-runners',
    path: [],
    message: 'no [[runners]] section: there is nothing to run jobs with',
    hint: 'add [[runners]] with name = "local" and executor = "docker", then [runners.docker] with image = "alpine"',
  });
}

function duplicateNamesRule({ config, report }: RuleContext): void {
  const seen = new Map<string, RunnerSection>();
  for (const runner of config.runners) {
    if (runner.name === '') continue;
    const first = seen.get(runner.name);
    if (first === undefined) {
      seen.set(runner.name, runner);
      continue;
    }
    report.error({
      code: 'duplicate-name',
      path: ['runners', runner.index, 'name'],
      message: `duplicate runner name "${runner.name}"`,
      hint: `runners[${first.index}] (line ${first.position.line}) has the same name; give each [[runners]] a unique name`,
    });
  }
}

function limitRule({ config, runner, reader, report }: RunnerContext): void {
  const limit = reader.num('limit');
  if (limit < 0) {
    report.error({
      code: 'bad-value',
      path: reader.keyPath('limit'),
      message: `limit cannot be negative (${limit})`,
      hint: 'write limit = 0 for no limit, or the number of jobs this runner may run at once',
    });
  } else if (limit > config.concurrent) {
    report.warning({
      code: 'limit-above-concurrent',
      path: reader.keyPath('limit'),
      message: `limit = ${limit} is above concurrent = ${config.concurrent}`,
      hint: `at most ${config.concurrent} job(s) run at once; raise concurrent or lower limit`,
    });
  }
  const requests = reader.num('request_concurrency');
  if (reader.has('request_concurrency') && requests < 1) {
    report.warning({
      code: 'bad-value',
      path: reader.keyPath('request_concurrency'),
      message: `request_concurrency = ${requests} is read as 1`,
      hint: 'write request_concurrency = 1 or more',
    });
  } else if (runner.limit > 0 && requests > runner.limit) {
    report.warning({
      code: 'requests-above-limit',
      path: reader.keyPath('request_concurrency'),
      message: `request_concurrency = ${requests} is above limit = ${runner.limit}`,
      hint: 'requests beyond limit only wait; lower request_concurrency',
    });
  }
}

function sectionsRule({ runner, checked, report }: RunnerContext): void {
  const dockerChecked = childSections(checked, 'docker')[0];
  const machineChecked = childSections(checked, 'machine')[0];
  if (runner.executor === 'shell' && dockerChecked !== undefined) {
    report.warning({
      code: 'unused-section',
      path: dockerChecked.path,
      message: '[runners.docker] is not used by the shell executor',
      hint: 'remove it, or set executor = "docker"',
    });
  }
  if (runner.executor !== 'docker+machine' && machineChecked !== undefined) {
    report.warning({
      code: 'unused-section',
      path: machineChecked.path,
      message: `[runners.machine] is only used by docker+machine, not ${runner.executor}`,
      hint: 'remove it, or set executor = "docker+machine"',
    });
  }
  if (runner.executor !== 'docker+machine') return;
  if (machineChecked === undefined) {
    report.error({
      code: 'missing-section',
      path: checked.path,
      message: 'executor "docker+machine" needs a [runners.machine] section',
      hint: 'add [runners.machine] with MachineName = "dockhand-%s" and MachineDriver',
    });
  } else if (!machineChecked.written.has('MachineName')) {
    report.error({
      code: 'missing-key',
      path: machineChecked.path,
      message: 'missing MachineName',
      hint: 'add MachineName = "dockhand-%s" (%s is replaced by a unique id per VM)',
    });
  } else if (!machineChecked.written.has('MachineDriver')) {
    report.warning({
      code: 'missing-key',
      path: machineChecked.path,
      message: 'no MachineDriver: dockhand uses its default local driver',
      hint: 'add MachineDriver to name the VM driver to use',
    });
  }
}

function dockerRule({ runner, checked, report }: RunnerContext): void {
  const docker = runner.docker;
  if (docker === undefined) return;
  const dockerPath = [...checked.path, 'docker'];
  if (docker.image === undefined) {
    report.warning({
      code: 'missing-key',
      path: dockerPath,
      message: 'no default image: jobs that name no image will fail',
      hint: 'add image = "alpine" (or the image most jobs use) under [runners.docker]',
    });
  }
  if (
    docker.allowedImages.length > 0 &&
    docker.disableEntrypointOverwriteSource === 'explicit' &&
    !docker.disableEntrypointOverwrite
  ) {
    report.warning({
      code: 'entrypoint-overwrite-allowed',
      path: [...dockerPath, 'disable_entrypoint_overwrite'],
      message: 'allowed_images restricts images, but jobs may still override their entrypoint',
      hint: 'a job can run any command in an allowed image; remove this line or set it to true',
    });
  }
  const effective = docker.pullPolicy.filter((p) => docker.allowedPullPolicies.includes(p));
  if (effective.length === 0) {
    report.warning({
      code: 'pull-policy-not-allowed',
      path: [...dockerPath, 'allowed_pull_policies'],
      message: `pull_policy [${docker.pullPolicy.join(', ')}] is not in allowed_pull_policies`,
      hint: 'jobs that do not set pull_policy will fail; make the two lists overlap',
    });
  }
  if (docker.waitForServicesTimeout < -1) {
    report.warning({
      code: 'bad-value',
      path: [...dockerPath, 'wait_for_services_timeout'],
      message: `wait_for_services_timeout = ${docker.waitForServicesTimeout} is not meaningful`,
      hint: 'write a number of seconds, or -1 to skip the wait',
    });
  }
}

function runnerValuesRule({ runner, reader, report }: RunnerContext): void {
  for (const name of Object.keys(runner.featureFlags)) {
    if (name.startsWith('FF_')) continue;
    report.warning({
      code: 'unknown-feature-flag',
      path: [...reader.path, 'feature_flags', name],
      message: `"${name}" is not a feature flag`,
      hint: 'feature flags are named FF_…, e.g. FF_NETWORK_PER_BUILD = true',
    });
  }
  runner.environment.forEach((entry, i) => {
    if (/^[^=]+=/.test(entry)) return;
    report.warning({
      code: 'bad-environment',
      path: [...reader.keyPath('environment'), i],
      message: `environment entry "${entry.split('=')[0] ?? ''}" is not KEY=VALUE`,
      hint: 'write environment = ["KEY=value"]',
    });
  });
  if (!runner.runUntagged && runner.tagList.length === 0) {
    report.warning({
      code: 'picks-no-jobs',
      path: reader.keyPath('run_untagged'),
      message: 'run_untagged = false with no tag_list: this runner picks no job',
      hint: 'add tag_list = ["docker"] or set run_untagged = true',
    });
  }
}

function urlRule({ runner, reader, report }: RunnerContext): void {
  const url = runner.url;
  if (url === undefined || url.startsWith('$')) return; // $VAR is expanded at run time.
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    report.error({
      code: 'bad-url',
      path: reader.keyPath('url'),
      message: `url "${url}" is not an http(s) URL`,
      hint: 'write the GitLab base URL, e.g. url = "https://gitlab.example.com/"',
    });
  } else if (/\/ci\/?$/.test(parsed.pathname)) {
    report.warning({
      code: 'legacy-url',
      path: reader.keyPath('url'),
      message: 'url ends with the legacy /ci suffix, which is stripped',
      hint: `write url = "${url.replace(/\/ci\/?$/, '/')}"`,
    });
  }
}

const RUNNER_RULES = [limitRule, sectionsRule, dockerRule, runnerValuesRule, urlRule];

export function applyRules(config: RunnerConfig, root: CheckedSection, report: Reporter): void {
  const context: RuleContext = { config, root, report };
  concurrentRule(context);
  noRunnersRule(context);
  duplicateNamesRule(context);
  const checkedRunners = childSections(root, 'runners');
  for (const runner of config.runners) {
    const checked = checkedRunners[runner.index];
    if (checked === undefined) continue;
    const reader = new SectionReader(runnerSection, checked, checked.path);
    for (const rule of RUNNER_RULES) rule({ ...context, runner, checked, reader });
  }
}
