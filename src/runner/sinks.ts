import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { ESC, stripAnsi } from '../core/ansi.js';

/**
 * Where a job trace goes once it is framed and masked: stdout, a log file, or (for a runner) the
 * coordinator's trace endpoint. Sinks only ever see masked text.
 */
export interface TraceSink {
  /** Appends text. Does not block; order of calls is the order in the log. */
  write(text: string): void;
  /** Flushes and releases the sink. Idempotent. */
  close(): Promise<void>;
}

/**
 * Section markers: `section_start:<ts>:<name>[options]\r ESC[0K` (the header follows on the same
 * line) and `section_end:<ts>:<name>\r ESC[0K` on a line of its own, removed with its newline so
 * that people see no empty line where GitLab's UI shows none.
 */
const SECTION_MARKER = new RegExp(
  `section_start:\\d+:[A-Za-z0-9_.-]+(?:\\[[^\\]\\r\\n]*\\])?\\r${ESC}\\[0K|section_end:\\d+:[A-Za-z0-9_.-]+\\r${ESC}\\[0K\\n?`,
  'g',
);
/** An escape sequence cut at the end of a chunk: held until the next chunk completes it. */
const PARTIAL_ESCAPE = new RegExp(`${ESC}(?:\\[[0-9;?]*)?$`);

/** Removes section markers (for people); keeps colours. */
export function stripSectionMarkers(text: string): string {
  return text.replace(SECTION_MARKER, '');
}

export interface ConsoleSinkOptions {
  /** Keep colours (a TTY without NO_COLOR); without colour every escape sequence is removed. */
  readonly color: boolean;
}

/**
 * The human view of a trace: section markers removed, and all ANSI removed when colour is off.
 * Escape sequences split across writes are reassembled before stripping.
 */
export class ConsoleSink implements TraceSink {
  private held = '';

  constructor(
    private readonly out: (text: string) => void,
    private readonly options: ConsoleSinkOptions,
  ) {}

  write(text: string): void {
    let chunk = this.held + text;
    this.held = '';
    const partial = PARTIAL_ESCAPE.exec(chunk);
    if (partial !== null) {
      this.held = chunk.slice(partial.index);
      chunk = chunk.slice(0, partial.index);
    }
    this.emit(chunk);
  }

  close(): Promise<void> {
    const rest = this.held;
    this.held = '';
    this.emit(rest);
    return Promise.resolve();
  }

  private emit(chunk: string): void {
    if (chunk === '') return;
    const humane = stripSectionMarkers(chunk);
    const text = this.options.color ? humane : stripAnsi(humane);
    if (text !== '') this.out(text);
  }
}

/** The raw trace, markers and colours kept, as GitLab stores it: `.dockhand/logs/<job>.log`. */
export class FileSink implements TraceSink {
  private readonly stream: WriteStream;
  private closed: Promise<void> | undefined;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: 'w', mode: 0o600 });
  }

  write(text: string): void {
    if (this.closed === undefined) this.stream.write(text);
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.stream.end(() => resolve());
    });
    return this.closed;
  }
}

/** Writes to several sinks at once. */
export class TeeSink implements TraceSink {
  constructor(private readonly sinks: readonly TraceSink[]) {}

  write(text: string): void {
    for (const sink of this.sinks) sink.write(text);
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.close()));
  }
}

/** Keeps everything in memory: for tests and for callers that post-process the trace. */
export class MemorySink implements TraceSink {
  private readonly chunks: string[] = [];
  closed = false;

  write(text: string): void {
    this.chunks.push(text);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Everything written so far. */
  text(): string {
    return this.chunks.join('');
  }

  /** Each write, in order (to check what reached the sink chunk by chunk). */
  writes(): readonly string[] {
    return this.chunks;
  }
}
