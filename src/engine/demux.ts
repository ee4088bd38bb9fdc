import type { OutputSink } from './container-types.js';

const HEADER = 8;

/**
 * Splits Docker's multiplexed attach stream (non-TTY containers) into stdout and stderr. Each
 * frame is an 8-byte header — stream id in byte 0, payload size big-endian in bytes 4..7 — then
 * the payload. Frames may arrive split across chunks, so the decoder keeps the remainder.
 */
export class StreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: OutputSink) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= HEADER) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER + size) return;
      const kind = this.pending[0];
      const payload = this.pending.subarray(HEADER, HEADER + size);
      this.pending = this.pending.subarray(HEADER + size);
      // 0 (stdin echo) does not occur without a TTY; treat anything but 2 as stdout.
      if (kind === 2) this.sink.stderr(payload);
      else this.sink.stdout(payload);
    }
  }

  /** Bytes of an incomplete frame left at the end of the stream (normally none). */
  flush(): void {
    if (this.pending.length > 0) this.sink.stdout(this.pending);
    this.pending = Buffer.alloc(0);
  }
}
