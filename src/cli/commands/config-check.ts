import { paint } from '../../core/ansi.js';
import { parseConfig } from '../../config/parse-config.js';
import { formatProblem, type ConfigProblem } from '../../config/problems.js';
import { summarizeConfig } from '../../config/summary.js';
import type { Command } from '../command.js';
import {
  discoverConfig,
  processDiscoveryContext,
  readConfigFile,
  type DiscoveryContext,
} from '../config-discovery.js';
import type { CliIo } from '../io.js';
import { parseFlags } from '../parse-flags.js';

const HELP = `Usage: dockhand config check [--config FILE] [--strict]

Reads a GitLab Runner config.toml, prints what dockhand understood (runners, executor, tags,
default image, volumes, policies, machine pool) and every problem with its line and column.

Flags:
  -c, --config FILE  the file to check (also CONFIG_FILE). Without it dockhand looks in
                     ~/.dockhand/config.toml, /etc/dockhand/config.toml, ./config.toml, then
                     /etc/gitlab-runner/config.toml (root) or ~/.gitlab-runner/config.toml
      --strict       treat warnings as failures (exit 1)

Exit codes: 0 ok, 1 warnings with --strict, 2 errors in the file (or no file).
`;

function printProblems(title: string, problems: readonly ConfigProblem[], io: CliIo): void {
  if (problems.length === 0) return;
  const tone = problems[0]?.severity === 'error' ? 'error' : 'warning';
  io.stdout(`\n${paint(tone, `${title} (${problems.length}):`, io.color)}\n`);
  for (const problem of problems) {
    io.stdout(`${formatProblem(problem).replace(/^/gm, '  ')}\n`);
  }
}

/** `dockhand config check`; the discovery context is injectable for tests. */
export function configCheckCommand(
  context: (io: CliIo) => DiscoveryContext = (io) => processDiscoveryContext(io.cwd, io.env),
): Command {
  return {
    name: 'config check',
    summary: 'check a config.toml and show what dockhand understood',
    help: HELP,
    async run(args, io) {
      const { values } = parseFlags('config check', args, {
        config: { type: 'string', short: 'c' },
        strict: { type: 'boolean', default: false },
      });
      const found = await discoverConfig(values.config, context(io));
      const text = await readConfigFile(found);
      const result = parseConfig(text, found.display);
      io.stdout(
        `Configuration: ${found.path}${found.via === 'discovered' ? ' (discovered)' : ''}\n`,
      );
      io.stdout(`${summarizeConfig(result.config).join('\n')}\n`);
      printProblems('Errors', result.errors, io);
      printProblems('Warnings', result.warnings, io);
      const { errors, warnings } = result;
      const verdict = `${errors.length} error(s), ${warnings.length} warning(s)`;
      if (errors.length > 0) {
        io.stdout(`\n${paint('error', `Invalid: ${verdict}`, io.color)}\n`);
        return 2;
      }
      if (warnings.length > 0 && values.strict === true) {
        io.stdout(`\n${paint('warning', `Failed (--strict): ${verdict}`, io.color)}\n`);
        return 1;
      }
      io.stdout(`\n${paint('info', `OK: ${verdict}`, io.color)}\n`);
      return 0;
    },
  };
}
