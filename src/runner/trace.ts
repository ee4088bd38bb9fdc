import { RESET } from '../core/ansi.js';
import type { JobLog } from '../executors/executor.js';
import { StreamMasker } from './masker.js';
import type { TraceSink } from './sinks.js';

/** GitLab's line framing (shared/reference/gitlab-runner.md §3.1). */
const CLEAR = '\x1b[0K';
const GREEN = '\x1b[32;1m';
const YELLOW = '\x1b[0;33m';
const RED = '\x1b[31;1m';
const CYAN = '\x1b[36;1m';

/** GitLab Runner's default `output_limit`: 4096 KiB. */
export const DEFAULT_OUTPUT_LIMIT_BYTES = 4096 * 1024;

export interface JobTraceOptions {
  readonly sink: TraceSink;
  /** Literal values to mask: masked variables and the job token. */
  readonly secrets: readonly string[];
  /** Token prefixes to mask; defaults to GitLab's list. */
  readonly tokenPrefixes?: readonly string[];
  /** Emit `section_start`/`section_end` markers (GitLab's `features.trace_sections`). */
  readonly sections: boolean;
  /** `output_limit` in bytes: job output beyond it is dropped with a notice. */
  readonly outputLimitBytes?: number;
  /** Unix time in milliseconds, for section markers. */
  readonly now?: () => number;
}

/**
 * The job log used by job-run and handed to executors: GitLab framing and colours, sections,
 * secret masking (across chunk boundaries) and the output limit. Everything goes through one
 * masker in order, so a secret never reaches the sink whichever method wrote it.
 */
export class JobTrace implements JobLog {
  private readonly masker: StreamMasker;
  private readonly limit: number;
  private readonly now: () => number;
  private outputBytes = 0;
  private truncated = false;
  /** Whether the last byte written ends a line; runner lines start on a fresh line. */
  private atLineStart = true;
  private closed = false;

  constructor(private readonly options: JobTraceOptions) {
    this.masker = new StreamMasker({
      secrets: options.secrets,
      ...(options.tokenPrefixes === undefined ? {} : { tokenPrefixes: options.tokenPrefixes }),
    });
    this.limit = options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;
    this.now = options.now ?? Date.now;
  }

  plain(text: string): void {
    this.line(`${CLEAR}${text}${RESET}`);
  }

  info(text: string): void {
    this.line(`${GREEN}${text}${RESET}`);
  }

  warning(text: string): void {
    this.line(`${YELLOW}WARNING: ${text}${RESET}`);
  }

  error(text: string): void {
    this.line(`${RED}ERROR: ${text}${RESET}`);
  }

  output(chunk: string): void {
    if (this.closed || this.truncated || chunk === '') return;
    const size = Buffer.byteLength(chunk);
    if (this.outputBytes + size > this.limit) {
      this.truncated = true;
      const room = this.limit - this.outputBytes;
      if (room > 0) this.write(Buffer.from(chunk).subarray(0, room).toString());
      this.outputBytes = this.limit;
      this.line(
        `${RED}Job's log exceeded limit of ${this.limit} bytes.\n` +
          `Job execution will continue but no more output will be collected.${RESET}`,
      );
      return;
    }
    this.outputBytes += size;
    this.write(chunk);
  }

  /** Masks a complete text that leaves by another way than the log (a result message). */
  mask(text: string): string {
    return this.masker.mask(text);
  }

  /** Opens a collapsible section with its bold cyan header. */
  sectionStart(name: string, header: string): void {
    const marker = this.options.sections
      ? `section_start:${this.unixSeconds()}:${name}\r${CLEAR}`
      : '';
    this.breakLine();
    this.write(`${marker}${CLEAR}${CYAN}${header}${RESET}${RESET}\n`);
  }

  /** Closes a section opened by `sectionStart`. */
  sectionEnd(name: string): void {
    if (!this.options.sections) return;
    this.breakLine();
    this.write(`section_end:${this.unixSeconds()}:${name}\r${CLEAR}\n`);
  }

  /** Flushes what the masker holds back and closes the sink. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const rest = this.masker.flush();
    if (rest !== '') this.options.sink.write(rest);
    await this.options.sink.close();
  }

  private unixSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Output that stopped mid-line gets a newline before a runner line, as GitLab's log does. */
  private breakLine(): void {
    if (!this.atLineStart) this.write('\n');
  }

  private line(text: string): void {
    if (this.closed) return;
    this.breakLine();
    this.write(`${text}\n`);
  }

  private write(text: string): void {
    if (this.closed || text === '') return;
    this.atLineStart = text.endsWith('\n');
    const masked = this.masker.push(text);
    if (masked !== '') this.options.sink.write(masked);
  }
}
