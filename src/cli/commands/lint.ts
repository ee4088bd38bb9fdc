import { paint } from '../../core/ansi.js';
import { formatProblem, parsePipeline, type PipelineProblem } from '../../pipeline/index.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { parseFlags } from '../parse-flags.js';
import { fsIncludeResolver, readPipelineSource } from '../pipeline-files.js';

const HELP = `Usage: dockhand lint [--file FILE] [--cwd DIR]

Reads .gitlab-ci.yml as GitLab does (includes, extends, !reference, defaults, rules, needs)
and prints every problem as file:line:column.

Flags:
  -f, --file FILE  the pipeline file, relative to the repository root (default .gitlab-ci.yml)
      --cwd DIR    the repository root (default: the current directory)

Exit codes: 0 valid, 2 errors (or no file).
`;

function print(problems: readonly PipelineProblem[], tone: 'error' | 'warning', io: CliIo): void {
  for (const problem of problems) {
    const line = formatProblem(problem);
    io.stdout(`${tone === 'error' ? line : `${line} (warning)`}\n`);
    if (problem.hint !== undefined)
      io.stdout(`  ${paint('dim', `hint: ${problem.hint}`, io.color)}\n`);
  }
}

export const lintCommand: Command = {
  name: 'lint',
  summary: 'check .gitlab-ci.yml the way GitLab reads it',
  help: HELP,
  run(args, io) {
    const { values } = parseFlags('lint', args, {
      file: { type: 'string', short: 'f' },
      cwd: { type: 'string' },
    });
    const source = readPipelineSource(values.cwd ?? io.cwd, values.file);
    const result = parsePipeline({
      file: source.file,
      text: source.text,
      includes: fsIncludeResolver(source.root),
    });
    print(result.errors, 'error', io);
    print(result.warnings, 'warning', io);
    if (result.pipeline === undefined) {
      io.stdout(
        `${paint('error', `Pipeline is invalid: ${result.errors.length} error(s)`, io.color)}\n`,
      );
      return Promise.resolve(2);
    }
    const stages = new Set(result.pipeline.jobs.map((job) => job.stage));
    io.stdout(
      `${paint('info', `Pipeline is valid: ${result.pipeline.jobs.length} jobs in ${stages.size} stages`, io.color)}\n`,
    );
    return Promise.resolve(0);
  },
};
