/** First signal: graceful cancel; second: hard abort. Removed when the run ends. */
export class Interrupts {
  readonly cancel = new AbortController();
  readonly abort = new AbortController();
  signalName: 'SIGINT' | 'SIGTERM' | undefined;

  private readonly handler = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (this.signalName === undefined) {
      this.signalName = name;
      this.cancel.abort(`script canceled by ${name} (send it again to stop at once)`);
    } else {
      this.abort.abort(name);
    }
  };
  private readonly onInt = this.handler('SIGINT');
  private readonly onTerm = this.handler('SIGTERM');

  install(): void {
    process.on('SIGINT', this.onInt);
    process.on('SIGTERM', this.onTerm);
  }

  remove(): void {
    process.off('SIGINT', this.onInt);
    process.off('SIGTERM', this.onTerm);
  }

  exitCode(): number | undefined {
    if (this.signalName === undefined) return undefined;
    return this.signalName === 'SIGINT' ? 130 : 143;
  }
}
