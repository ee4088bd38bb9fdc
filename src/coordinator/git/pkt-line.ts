/**
 * Git's pkt-line framing (gitprotocol-common): four hex digits of length (header included),
 * then the payload; `0000` flush, `0001` delimiter, `0002` response end. The parser takes a
 * stream's chunks as they come and holds at most one partial packet.
 */

export type Packet =
  | { readonly kind: 'flush' | 'delim' | 'end' }
  | { readonly kind: 'data'; readonly payload: Buffer };

/** Largest packet git sends or takes (LARGE_PACKET_MAX). */
export const MAX_PACKET = 65520;

const SPECIAL: Readonly<Record<number, Packet>> = {
  0: { kind: 'flush' },
  1: { kind: 'delim' },
  2: { kind: 'end' },
};

const SPECIAL_TEXT = { flush: '0000', delim: '0001', end: '0002' } as const;

export function encodePacket(packet: Packet): Buffer {
  if (packet.kind !== 'data') return Buffer.from(SPECIAL_TEXT[packet.kind]);
  const header = (packet.payload.length + 4).toString(16).padStart(4, '0');
  return Buffer.concat([Buffer.from(header), packet.payload]);
}

export function dataPacket(payload: string | Buffer): Buffer {
  return encodePacket({ kind: 'data', payload: Buffer.from(payload) });
}

export const FLUSH = Buffer.from('0000');

export class PktLineParser {
  private pending: Buffer = Buffer.alloc(0);
  private stopped = false;

  /** `stopAtFlush`: what follows the first flush-pkt is not pkt-lines (a pack): ignore it. */
  constructor(private readonly options: { readonly stopAtFlush?: boolean } = {}) {}

  /** The packets completed by `chunk`; throws on a malformed length. */
  push(chunk: Uint8Array): Packet[] {
    if (this.stopped) return [];
    // Web streams hand over plain Uint8Arrays, whose toString() ignores an encoding.
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    const packets: Packet[] = [];
    let at = 0;
    while (this.pending.length - at >= 4) {
      const header = this.pending.toString('latin1', at, at + 4);
      const length = /^[0-9a-f]{4}$/i.test(header) ? parseInt(header, 16) : NaN;
      if (Number.isNaN(length) || length === 3 || length > MAX_PACKET) {
        throw new Error(`malformed pkt-line header "${header}"`);
      }
      const special = SPECIAL[length];
      if (special !== undefined) {
        packets.push(special);
        at += 4;
        if (length === 0 && this.options.stopAtFlush === true) {
          this.stopped = true;
          this.pending = Buffer.alloc(0);
          return packets;
        }
        continue;
      }
      if (this.pending.length - at < length) break;
      packets.push({ kind: 'data', payload: this.pending.subarray(at + 4, at + length) });
      at += length;
    }
    this.pending = this.pending.subarray(at);
    return packets;
  }

  /** Bytes of an unfinished packet. */
  get buffered(): number {
    return this.pending.length;
  }
}
