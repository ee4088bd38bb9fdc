import { DockhandError, exitCodeFor } from '../core/errors.js';
import { paint } from '../core/ansi.js';
import { DOCKHAND_VERSION } from '../core/version.js';
import { commands, type CommandEntry } from './commands/index.js';
import { processIo, type CliIo } from './io.js';
import { mapStack } from './stack-trace.js';

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return [
    'dockhand: run GitLab CI jobs locally or as a runner, with safe Docker access',
    '',
    'Usage: dockhand <command> [flags]',
    '',
    'Commands:',
    ...lines,
    '',
    'Flags:',
    '  -h, --help     show help (also after a command)',
    '  -V, --version  print the version',
    '',
    'Exit codes: 0 ok, 1 a job or check failed, 2 usage or configuration error.',
    '',
  ].join('\n');
}

/** Longest command name that prefixes the words of argv. */
function findCommand(
  argv: readonly string[],
): { command: CommandEntry; rest: string[] } | undefined {
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of sorted) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) {
      return { command, rest: argv.slice(words.length) };
    }
  }
  return undefined;
}

function report(error: unknown, io: CliIo): void {
  if (error instanceof DockhandError) {
    io.stderr(`${paint('error', `ERROR: ${error.message}`, io.color)}\n`);
    if (error.hint !== undefined) io.stderr(`hint: ${error.hint}\n`);
    if (error.kind === 'internal') {
      io.stderr('This is a bug in dockhand; please report it with the command you ran.\n');
    }
    return;
  }
  const message = error instanceof Error ? mapStack(error.stack ?? error.message) : String(error);
  io.stderr(`${paint('error', 'ERROR: internal error', io.color)}\n${message}\n`);
  io.stderr('This is a bug in dockhand; please report it with the command you ran.\n');
}

/** The single door: argv in, exit code out. Every error is mapped to an exit code here. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const first = argv[0];
    if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
      io.stdout(topHelp());
      return 0;
    }
    if (first === '-V' || first === '--version') {
      io.stdout(`dockhand ${DOCKHAND_VERSION}\n`);
      return 0;
    }
    const found = findCommand(argv);
    if (found === undefined) {
      const group = commands.filter((c) => c.name.startsWith(`${first} `));
      const hint =
        group.length > 0
          ? `'${first}' takes a sub-command: ${group.map((c) => c.name).join(', ')}`
          : "run 'dockhand --help' for the list of commands";
      io.stderr(
        `${paint('error', `ERROR: unknown command '${argv.join(' ')}'`, io.color)}\nhint: ${hint}\n`,
      );
      return 2;
    }
    const command = await found.command.load();
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      io.stdout(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
      return 0;
    }
    return await command.run(found.rest, io);
  } catch (error) {
    report(error, io);
    return exitCodeFor(error);
  }
}
