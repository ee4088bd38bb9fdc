import { ESC } from '../core/ansi.js';
import { ConsoleSink, type TraceSink } from '../runner/sinks.js';

/** Foreground colours that read on dark and light terminals; assigned to jobs in turn. */
const PALETTE = ['36', '35', '33', '34', '32', '96', '95', '93', '94', '92'];

/** `name  | ` padded to `width`, coloured when colour is on. */
export function jobPrefix(name: string, width: number, index: number, color: boolean): string {
  const label = `${name.padEnd(width)} | `;
  if (!color) return label;
  const code = PALETTE[index % PALETTE.length] ?? '36';
  return `${ESC}[${code}m${label}${ESC}[0m`;
}

/**
 * The console view of one job among several running at once: ConsoleSink's human text, cut
 * into whole lines, each prefixed with the job's name so that every line can be told apart. A
 * partial last line waits for its end (or for close); `\r`-overwritten progress keeps its last
 * state.
 */
export class PrefixedConsoleSink implements TraceSink {
  private partial = '';
  private readonly console: ConsoleSink;

  constructor(
    private readonly out: (text: string) => void,
    private readonly prefix: string,
    color: boolean,
  ) {
    this.console = new ConsoleSink((text) => this.lines(text), { color });
  }

  write(text: string): void {
    this.console.write(text);
  }

  async close(): Promise<void> {
    await this.console.close();
    if (this.partial !== '') this.emit(this.partial);
    this.partial = '';
  }

  private lines(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.emit(line);
  }

  private emit(line: string): void {
    const shown = line.slice(line.lastIndexOf('\r', line.length - 2) + 1).replace(/\r$/, '');
    this.out(`${this.prefix}${shown}\n`);
  }
}
