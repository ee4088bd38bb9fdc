/**
 * The ref updates a push asks for: the pkt-lines that open a receive-pack request
 * (`<old> <new> <ref>`, the first one followed by NUL and the client's capabilities), read while
 * the request streams on to `git receive-pack` unchanged.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { PktLineParser } from './pkt-line.js';

export interface RefUpdate {
  readonly oldSha: string;
  readonly newSha: string;
  /** Full ref name, e.g. refs/heads/main. */
  readonly ref: string;
}

export interface ReceiveRequest {
  readonly updates: readonly RefUpdate[];
  readonly capabilities: ReadonlySet<string>;
}

/** A push naming more refs than this starts pipelines for the first ones only. */
const MAX_UPDATES = 1000;
const COMMAND = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) (refs\/\S+)$/;

export function isZeroSha(sha: string): boolean {
  return /^0+$/.test(sha);
}

/**
 * Passes the request through byte for byte; `request()` holds what the command list said once
 * it ended (at its flush-pkt). Stops parsing there: the pack that follows is not looked at.
 */
export class ReceiveCommandReader extends Transform {
  private readonly parser = new PktLineParser({ stopAtFlush: true });
  private readonly updates: RefUpdate[] = [];
  private capabilities = new Set<string>();
  private done = false;

  request(): ReceiveRequest {
    return { updates: this.updates, capabilities: this.capabilities };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.done) {
      try {
        this.readCommands(chunk);
      } catch {
        // A malformed request is git receive-pack's to refuse; we just stop looking.
        this.done = true;
      }
    }
    callback(null, chunk);
  }

  private readCommands(chunk: Buffer): void {
    for (const packet of this.parser.push(chunk)) {
      if (packet.kind !== 'data') {
        this.done = true;
        return;
      }
      const [line = '', caps] = packet.payload.toString('utf8').replace(/\n$/, '').split('\0');
      // Capabilities ride on the first command (after any `shallow` lines).
      if (caps !== undefined && this.capabilities.size === 0) {
        this.capabilities = new Set(caps.split(' '));
      }
      const match = COMMAND.exec(line);
      if (match !== null && this.updates.length < MAX_UPDATES) {
        this.updates.push({ oldSha: match[1] ?? '', newSha: match[2] ?? '', ref: match[3] ?? '' });
      }
    }
  }
}
