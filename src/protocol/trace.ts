/**
 * Trace wire helpers (shared/reference/gitlab-runner.md §5.4, §5.5): `Content-Range` of a trace
 * PATCH, the server's `Range` answer, and the `crc32:<8 hex>` checksum of the full trace sent in
 * the final job update. Offsets are byte offsets into the UTF-8 trace, never string indexes.
 */

/** GitLab's cap on the body of one trace PATCH. */
export const MAX_TRACE_PATCH_BYTES = 1024 * 1024;

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the table is built once, lazily. */
let crcTable: Uint32Array | undefined;

function table(): Uint32Array {
  if (crcTable !== undefined) return crcTable;
  const built = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    built[n] = c >>> 0;
  }
  crcTable = built;
  return built;
}

/**
 * Continues a CRC-32 over more bytes: `crc32(b, crc32(a))` equals `crc32(a ++ b)`, so a trace
 * can be checksummed chunk by chunk as it is appended.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const t = table();
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (const byte of bytes) crc = (t[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** `crc32:` + 8 lowercase hex digits, the form of `checksum` / `output.checksum`. */
export function formatChecksum(crc: number): string {
  return `crc32:${(crc >>> 0).toString(16).padStart(8, '0')}`;
}

/** The checksum of a whole trace. */
export function traceChecksum(trace: Uint8Array): string {
  return formatChecksum(crc32(trace));
}

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive. */
  readonly end: number;
}

/**
 * `Content-Range` of a PATCH carrying `length` (≥ 1) bytes from `start`: `<start>-<end>`,
 * inclusive, and without a `bytes ` unit (GitLab's wire form has none).
 */
export function formatContentRange(start: number, length: number): string {
  return `${start}-${start + length - 1}`;
}

const RANGE = /^\s*(\d{1,15})-(\d{1,15})\s*$/;

/** Parses `<start>-<end>`; undefined when malformed or end < start. */
export function parseContentRange(text: string | null | undefined): ByteRange | undefined {
  const match = RANGE.exec(text ?? '');
  if (match === null) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  return end < start ? undefined : { start, end };
}

/**
 * The server's `Range` answer: `0-<size>` where size is the number of bytes it holds (GitLab's
 * form: the upper bound is the size, not the last index). A runner told 416 resends from `size`.
 */
export function formatTraceRange(size: number): string {
  return `0-${size}`;
}

/** The size from a `Range: 0-<size>` header; undefined when absent or malformed. */
export function parseTraceRange(text: string | null | undefined): number | undefined {
  const match = RANGE.exec(text ?? '');
  if (match === null || match[1] !== '0') return undefined;
  return Number(match[2]);
}
