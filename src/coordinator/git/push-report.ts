/**
 * The response of `git receive-pack`, streamed to the client unchanged except at its end: the
 * final flush-pkt is held until the push has been acted on (pipelines created), so messages can
 * go before it on side-band channel 2, which git prints as `remote: …` lines. Reads the
 * report-status on the way (`ok <ref>` / `ng <ref> <reason>`) to know which updates landed.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { dataPacket, encodePacket, FLUSH, PktLineParser, type Packet } from './pkt-line.js';

export type Sideband = 'none' | 'side-band' | 'side-band-64k';

export interface PushReport {
  /** Whether report-status was seen: without it, which refs landed is unknown here. */
  readonly seen: boolean;
  readonly unpackOk: boolean;
  /** Refs the report says were updated. */
  readonly ok: ReadonlySet<string>;
}

/** Room for one message line in a side-band packet (side-band allows 1000 bytes in all). */
const MAX_MESSAGE = 900;

export function sidebandOf(capabilities: ReadonlySet<string>): Sideband {
  if (capabilities.has('side-band-64k')) return 'side-band-64k';
  return capabilities.has('side-band') ? 'side-band' : 'none';
}

export class PushReportStream extends Transform {
  private readonly outer = new PktLineParser();
  private readonly inner = new PktLineParser();
  private heldFlush = false;
  private seen = false;
  private unpackOk = false;
  private readonly ok = new Set<string>();

  /**
   * `sideband`: asked once output starts (the request's capabilities are read by then);
   * `finish`: called at the end of the output with the report; resolves to message lines.
   */
  constructor(
    private readonly sideband: () => Sideband,
    private readonly finish: (report: PushReport) => Promise<readonly string[]>,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      for (const packet of this.outer.push(chunk)) this.forward(packet);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    this.finish({ seen: this.seen, unpackOk: this.unpackOk, ok: this.ok })
      .then((messages) => {
        const band = this.sideband();
        if (band !== 'none') {
          for (const message of messages) {
            const line = `${message.slice(0, MAX_MESSAGE)}\n`;
            this.push(dataPacket(Buffer.concat([Buffer.from([2]), Buffer.from(line)])));
          }
        }
        if (this.heldFlush) this.push(FLUSH);
        callback();
      })
      .catch((error: unknown) => callback(error as Error));
  }

  private forward(packet: Packet): void {
    if (this.heldFlush) {
      this.push(FLUSH);
      this.heldFlush = false;
    }
    if (packet.kind === 'flush') {
      this.heldFlush = true;
      return;
    }
    this.push(encodePacket(packet));
    if (packet.kind !== 'data') return;
    if (this.sideband() === 'none') this.readReport(packet);
    else if (packet.payload[0] === 1) {
      for (const inner of this.inner.push(packet.payload.subarray(1))) this.readReport(inner);
    }
  }

  private readReport(packet: Packet): void {
    if (packet.kind !== 'data') return;
    const line = packet.payload.toString('utf8').replace(/\n$/, '');
    if (line.startsWith('unpack ')) {
      this.seen = true;
      this.unpackOk = line === 'unpack ok';
    } else if (line.startsWith('ok ')) {
      this.ok.add(line.slice(3));
    }
  }
}
