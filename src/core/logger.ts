/** Where dockhand's own operator messages go. Implemented at the edges (cli), never here. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A progress line for a long operation (image build, VM boot). May overwrite on a TTY. */
  progress(message: string): void;
}

/** A logger that drops everything: for tests and for library callers that want silence. */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  progress: () => undefined,
};
