/**
 * `dockhand register`, `verify`, `unregister`, `list`: the runner's side of registration, as
 * gitlab-runner's commands of the same names, editing the `[[runners]]` of config.toml.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { createCoordinatorClient } from '../../api/coordinator-client.js';
import { parseConfig } from '../../config/parse-config.js';
import { CheckFailedError, ConfigError, UsageError } from '../../core/errors.js';
import { parseTagList } from '../../protocol/validate.js';
import type { Command } from '../command.js';
import { configCandidates, discoverConfig, processDiscoveryContext } from '../config-discovery.js';
import type { CliIo } from '../io.js';
import { parseFlags } from '../parse-flags.js';
import { appendSection, findRunnerSections, removeSection, runnerSection } from './runners-toml.js';

/** --config, CONFIG_FILE, an existing file where dockhand looks, else dockhand's own place. */
async function configPath(explicit: string | undefined, io: CliIo): Promise<string> {
  const context = processDiscoveryContext(io.cwd, io.env);
  try {
    return (await discoverConfig(explicit, context)).path;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const first = configCandidates(context)[0];
    if (first === undefined) throw error;
    return first;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

const RUNNER_INFO = { name: 'dockhand', executor: 'docker', shell: 'bash' } as const;

export const registerCommand: Command = {
  name: 'register',
  summary: 'register a runner with a coordinator and add it to config.toml',
  help: [
    'Usage: dockhand register --url URL (--registration-token T | --token glrt-…) [flags]',
    '',
    'With --registration-token, asks the coordinator for a runner token (legacy flow); with',
    'a glrt- --token (created in GitLab or by the coordinator), verifies it. Then appends a',
    '[[runners]] section to config.toml, leaving the rest of the file untouched.',
    '',
    'Flags:',
    '  --url URL                  coordinator URL, e.g. http://127.0.0.1:8080',
    '  --registration-token T     registration token (legacy flow)',
    '  --token glrt-…             runner authentication token (new flow)',
    '  --name NAME                runner name (default: host name)',
    '  --executor NAME            default docker',
    '  --docker-image IMAGE       default image ([runners.docker] image)',
    '  --tag-list a,b             tags of jobs this runner takes',
    '  --run-untagged             also take untagged jobs (default when --tag-list is empty)',
    '  --config FILE              config.toml to write',
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags('register', args, {
      url: { type: 'string' },
      'registration-token': { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      executor: { type: 'string', default: 'docker' },
      'docker-image': { type: 'string' },
      'tag-list': { type: 'string', default: '' },
      'run-untagged': { type: 'boolean' },
      config: { type: 'string' },
      'non-interactive': { type: 'boolean' },
    });
    if (values.url === undefined) throw new UsageError('dockhand register: --url is required');
    const tags = parseTagList(values['tag-list']);
    const runUntagged = values['run-untagged'] ?? tags.length === 0;
    const client = createCoordinatorClient({ url: values.url });
    let token: string;
    if (values.token !== undefined) {
      const verified = await client.verify({ token: values.token, info: RUNNER_INFO });
      if (verified.kind === 'forbidden') {
        throw new CheckFailedError(
          'register.forbidden',
          'the coordinator rejected the runner token (403)',
        );
      }
      token = values.token;
    } else if (values['registration-token'] !== undefined) {
      const registered = await client.register({
        token: values['registration-token'],
        description: values.name ?? hostname(),
        tag_list: tags.join(','),
        run_untagged: runUntagged,
        info: RUNNER_INFO,
      });
      if (registered.kind !== 'registered') {
        throw new CheckFailedError(
          'register.refused',
          registered.kind === 'gone'
            ? 'registration tokens are disabled on this coordinator (410)'
            : 'the coordinator rejected the registration token (403)',
          { hint: 'check the token; on dockhand server it is in DATA/registration-token' },
        );
      }
      token = registered.token;
    } else {
      throw new UsageError('dockhand register: pass --registration-token or --token');
    }
    const path = await configPath(values.config, io);
    const text = await readText(path);
    const section = runnerSection({
      name: values.name ?? hostname(),
      url: values.url,
      token,
      executor: values.executor,
      tagList: tags,
      runUntagged,
      ...(values['docker-image'] === undefined ? {} : { dockerImage: values['docker-image'] }),
    });
    await writeFile(path, appendSection(text, section), { mode: 0o600 });
    io.stdout(`Runner registered successfully; added to ${path}\n`);
    return 0;
  },
};

async function loadRunners(explicit: string | undefined, io: CliIo) {
  const path = await configPath(explicit, io);
  const text = await readText(path);
  const parsed = parseConfig(text, path);
  return { path, text, runners: parsed.config.runners };
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check the tokens of the runners in config.toml with their coordinators',
  help: 'Usage: dockhand verify [--config FILE] [--name NAME]',
  async run(args, io) {
    const { values } = parseFlags('verify', args, {
      config: { type: 'string' },
      name: { type: 'string' },
    });
    const { runners } = await loadRunners(values.config, io);
    let failed = 0;
    for (const runner of runners) {
      if (values.name !== undefined && runner.name !== values.name) continue;
      if (runner.url === undefined || runner.token === undefined) continue;
      const result = await createCoordinatorClient({ url: runner.url }).verify({
        token: runner.token,
        info: RUNNER_INFO,
      });
      io.stdout(`${runner.name}: ${result.kind === 'valid' ? 'is valid' : 'is not valid (403)'}\n`);
      if (result.kind !== 'valid') failed++;
    }
    return failed === 0 ? 0 : 1;
  },
};

export const unregisterCommand: Command = {
  name: 'unregister',
  summary: 'remove a runner from its coordinator and from config.toml',
  help: 'Usage: dockhand unregister (--name NAME | --all-runners) [--config FILE]',
  async run(args, io) {
    const { values } = parseFlags('unregister', args, {
      config: { type: 'string' },
      name: { type: 'string' },
      'all-runners': { type: 'boolean', default: false },
    });
    if (values.name === undefined && !values['all-runners']) {
      throw new UsageError('dockhand unregister: pass --name NAME or --all-runners');
    }
    const { path, text, runners } = await loadRunners(values.config, io);
    let next = text;
    // From the last section up, so earlier spans stay valid while cutting.
    const spans = findRunnerSections(text).reverse();
    let removed = 0;
    for (const span of spans) {
      if (!values['all-runners'] && span.name !== values.name) continue;
      const runner = runners.find((r) => r.name === span.name);
      if (runner?.url !== undefined && span.token !== undefined) {
        const result = await createCoordinatorClient({ url: runner.url }).unregister({
          token: span.token,
        });
        io.stdout(
          `${span.name ?? '?'}: ${result.kind === 'unregistered' ? 'unregistered' : 'already gone on the coordinator (403)'}\n`,
        );
      }
      next = removeSection(next, span);
      removed++;
    }
    if (removed === 0) throw new UsageError(`no runner named "${values.name ?? ''}" in ${path}`);
    await writeFile(path, next, { mode: 0o600 });
    return 0;
  },
};

export const listCommand: Command = {
  name: 'list',
  summary: 'list the runners of config.toml (without their tokens)',
  help: 'Usage: dockhand list [--config FILE]',
  async run(args, io) {
    const { values } = parseFlags('list', args, { config: { type: 'string' } });
    const { path, runners } = await loadRunners(values.config, io);
    io.stderr(`Listing configured runners  ConfigFile=${path}\n`);
    for (const runner of runners) {
      const tags = runner.tagList.length === 0 ? '' : `  Tags=${runner.tagList.join(',')}`;
      io.stdout(`${runner.name}  Executor=${runner.executor}  URL=${runner.url ?? '-'}${tags}\n`);
    }
    return 0;
  },
};
