import type { JobLog } from '../executor.js';

type Entry = { readonly tone: keyof JobLog; readonly text: string };

/**
 * A JobLog that holds runner lines back, so that work done in parallel (service start-up, the
 * build image pull, volume creation) still prints in GitLab's order. `flushTo` replays them.
 */
export class BufferedLog implements JobLog {
  private readonly entries: Entry[] = [];

  plain(text: string): void {
    this.entries.push({ tone: 'plain', text });
  }
  info(text: string): void {
    this.entries.push({ tone: 'info', text });
  }
  warning(text: string): void {
    this.entries.push({ tone: 'warning', text });
  }
  error(text: string): void {
    this.entries.push({ tone: 'error', text });
  }
  output(chunk: string): void {
    this.entries.push({ tone: 'output', text: chunk });
  }

  flushTo(log: JobLog): void {
    for (const entry of this.entries.splice(0)) log[entry.tone](entry.text);
  }
}
