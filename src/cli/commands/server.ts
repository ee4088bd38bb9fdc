/**
 * `dockhand server`: the coordinator (runner API v4, job queue, artifacts) for projects in local
 * git repositories; `dockhand server trigger`: start a pipeline on a running server.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EnvironmentError, CheckFailedError, UsageError } from '../../core/errors.js';
import {
  DEFAULT_REGISTRY_ISSUER,
  DEFAULT_REGISTRY_SERVICE,
  REGISTRY_TOKEN_PATH,
} from '../../coordinator/registry-tokens.js';
import { projectNameProblem } from '../../coordinator/git/project-repos.js';
import { DATA_FILES, parseListen, startServer } from '../../coordinator/server.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { parseFlags } from '../parse-flags.js';

const DEFAULT_DATA = '.dockhand-server';

function parseProject(text: string): { name: string; path?: string } {
  const at = text.indexOf('=');
  const name = at < 0 ? text : text.slice(0, at);
  const problem = projectNameProblem(name);
  if (problem !== undefined || at === text.length - 1) {
    throw new UsageError(`--project takes NAME or NAME=PATH, not "${text}"`, {
      hint: `${problem ?? 'PATH is empty'}; e.g. --project demo=/srv/git/demo.git`,
    });
  }
  return at < 0 ? { name } : { name, path: text.slice(at + 1) };
}

function waitForStop(): Promise<string> {
  return new Promise((done) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      done(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

export const serverCommand: Command = {
  name: 'server',
  summary: 'run the coordinator: runner API, job queue and artifacts for local git projects',
  help: [
    'Usage: dockhand server [--listen HOST:PORT] [--data DIR] [--project NAME[=PATH]]...',
    '                       [--no-push-create]',
    '                       [--registry HOST:PORT [--registry-realm-listen HOST:PORT]]',
    '',
    'Serves the GitLab runner API v4 (register, jobs/request, trace, artifacts) so `dockhand run`',
    'or gitlab-runner daemons can take jobs. Pipelines are built from .gitlab-ci.yml of the',
    'project repository at a ref: on every `git push` to the server, or `dockhand server trigger`.',
    '',
    'Projects are git remotes at URL/dockhand/NAME.git (clone, fetch, push over HTTP; user',
    'oauth2 or any name, the admin token as password). A push starts one pipeline per pushed',
    'branch or tag; a push to an unknown project creates it, with a bare repository in',
    'DIR/repos/NAME.git.',
    '',
    'Flags:',
    '  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080)',
    `  --data DIR           state: SQLite database, artifacts, token files (default ${DEFAULT_DATA})`,
    '  --project NAME=PATH  a project and its git repository (bare, to push into it); repeatable',
    '  --project NAME       a project with a bare repository in DIR/repos/NAME.git',
    '  --no-push-create     refuse pushes to unknown projects instead of creating them',
    '  --lost-after SECONDS fail running jobs whose runner is silent this long (default 600)',
    '  --registry HOST:PORT a container registry with token auth, as jobs reach it: jobs get',
    '                       CI_REGISTRY, CI_REGISTRY_IMAGE (HOST:PORT/dockhand/NAME),',
    '                       CI_REGISTRY_USER/PASSWORD (gitlab-ci-token + the job token)',
    '  --registry-realm-listen HOST:PORT',
    '                       also serve the token realm (and nothing else) there: an address',
    "                       every engine that logs in reaches, e.g. a docker network's gateway",
    '                       for docker:dind services on that network (port 0: any free port)',
    '',
    'With --registry, configure the registry (distribution 2.8) with',
    `  auth: {token: {realm: http://<--registry-realm-listen or --listen>${REGISTRY_TOKEN_PATH},`,
    `                 service: ${DEFAULT_REGISTRY_SERVICE},`,
    `         issuer: ${DEFAULT_REGISTRY_ISSUER}, rootcertbundle: DIR/${DATA_FILES.registryCert}}}`,
    "A job token may push and pull only its own project's repositories, while the job runs.",
    '',
    'The registration token for `dockhand register` is in DIR/registration-token,',
    'the admin token for `dockhand server trigger` in DIR/admin-token.',
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags('server', args, {
      listen: { type: 'string', default: '127.0.0.1:8080' },
      data: { type: 'string', default: DEFAULT_DATA },
      project: { type: 'string', multiple: true, default: [] },
      'lost-after': { type: 'string', default: '600' },
      registry: { type: 'string' },
      'no-push-create': { type: 'boolean', default: false },
      'registry-realm-listen': { type: 'string' },
    });
    if (values.registry !== undefined && parseListen(values.registry) === undefined) {
      throw new UsageError(`--registry takes HOST:PORT, not "${values.registry}"`, {
        hint: 'e.g. --registry 127.0.0.1:5001',
      });
    }
    const realmText = values['registry-realm-listen'];
    const realmListen = realmText === undefined ? undefined : parseListen(realmText);
    if (realmText !== undefined && (realmListen === undefined || values.registry === undefined)) {
      throw new UsageError(
        `--registry-realm-listen takes HOST:PORT and needs --registry, not "${realmText}"`,
        { hint: 'e.g. --registry 127.0.0.1:5001 --registry-realm-listen 172.18.0.1:8081' },
      );
    }
    const listen = parseListen(values.listen);
    if (listen === undefined) {
      throw new UsageError(`--listen takes HOST:PORT, not "${values.listen}"`, {
        hint: 'e.g. --listen 127.0.0.1:8080',
      });
    }
    const lostAfter = Number(values['lost-after']);
    if (!Number.isFinite(lostAfter) || lostAfter <= 0) {
      throw new UsageError('--lost-after takes a number of seconds > 0');
    }
    const server = await startServer({
      dataDir: resolve(io.cwd, values.data),
      host: listen.host,
      port: listen.port,
      projects: values.project.map(parseProject),
      createOnPush: !values['no-push-create'],
      tuning: { lostRunnerAfterMs: lostAfter * 1000 },
      ...(values.registry === undefined
        ? {}
        : {
            registry: {
              host: values.registry,
              ...(realmListen === undefined ? {} : { realmListen }),
            },
          }),
    }).catch((error: unknown) => {
      throw new EnvironmentError('server.start', `could not start the server on ${values.listen}`, {
        hint: 'is the port in use, or the data directory not writable?',
        cause: error,
      });
    });
    io.stderr(`dockhand server listening on ${server.url}\n`);
    io.stderr(`registration token: ${server.files.registrationToken}\n`);
    io.stderr(`admin token: ${server.files.adminToken}\n`);
    io.stderr(`git remotes: ${server.url}/dockhand/NAME.git (user oauth2, the admin token)\n`);
    if (values.registry !== undefined) {
      io.stderr(`registry token realm: ${server.registryRealm ?? ''}\n`);
      io.stderr(`registry rootcertbundle: ${server.files.registryCert}\n`);
    }
    const signal = await waitForStop();
    io.stderr(`${signal}: stopping\n`);
    await server.close();
    return 0;
  },
};

async function readDataFile(dir: string, file: string, what: string): Promise<string> {
  try {
    return (await readFile(join(dir, file), 'utf8')).trim();
  } catch (error) {
    throw new EnvironmentError('server.data', `cannot read the ${what} in ${dir}`, {
      hint: 'start `dockhand server` first, and pass the same --data DIR',
      cause: error,
    });
  }
}

function printPipeline(io: CliIo, body: unknown): void {
  const pipeline = body as {
    id: number;
    status: string;
    jobs?: { name: string; stage: string; status: string }[];
  };
  io.stdout(`pipeline #${pipeline.id} ${pipeline.status}\n`);
  for (const job of pipeline.jobs ?? []) io.stdout(`  ${job.stage}\t${job.name}\t${job.status}\n`);
}

export const serverTriggerCommand: Command = {
  name: 'server trigger',
  summary: 'start a pipeline for a project on a running dockhand server',
  help: [
    'Usage: dockhand server trigger --project NAME [--ref REF] [--data DIR] [--url URL]',
    '',
    'Flags:',
    '  --project NAME  the project (as given to `dockhand server --project`)',
    '  --ref REF       branch or tag (default main)',
    `  --data DIR      the server's data directory: admin token and URL (default ${DEFAULT_DATA})`,
    '  --url URL       the server URL (default: the one the server wrote into DIR)',
    '  --variable K=V  a pipeline variable; repeatable',
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags('server trigger', args, {
      project: { type: 'string' },
      ref: { type: 'string', default: 'main' },
      data: { type: 'string', default: DEFAULT_DATA },
      url: { type: 'string' },
      variable: { type: 'string', multiple: true, default: [] },
    });
    if (values.project === undefined) {
      throw new UsageError('dockhand server trigger: --project is required');
    }
    const dir = resolve(io.cwd, values.data);
    const admin = await readDataFile(dir, DATA_FILES.adminToken, 'admin token');
    const url = values.url ?? (await readDataFile(dir, DATA_FILES.url, 'server URL'));
    const variables = Object.fromEntries(
      values.variable.map((pair) => {
        const at = pair.indexOf('=');
        if (at <= 0) throw new UsageError(`--variable takes KEY=VALUE, not "${pair}"`);
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    );
    const response = await fetch(
      new URL(`/api/dockhand/v1/projects/${encodeURIComponent(values.project)}/pipelines`, url),
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ref: values.ref, variables }),
      },
    ).catch((error: unknown) => {
      throw new EnvironmentError(
        'server.unreachable',
        `cannot reach the dockhand server at ${url}`,
        {
          hint: 'is `dockhand server` running?',
          cause: error,
        },
      );
    });
    const body = (await response.json().catch(() => ({}))) as {
      message?: string;
      errors?: string[];
    };
    if (response.status === 201) {
      printPipeline(io, body);
      return 0;
    }
    for (const error of body.errors ?? []) io.stderr(`${error}\n`);
    throw new CheckFailedError(
      'server.trigger',
      `the server refused the pipeline: ${body.message ?? response.status}`,
    );
  },
};
