/**
 * A small zip writer and reader on node:zlib (PKWARE APPNOTE: local headers, central directory,
 * end record; deflate or stored; no zip64, no encryption). Unix modes go in the external
 * attributes as Info-ZIP does, so symlinks and executable bits survive the round trip, as in
 * GitLab Runner's artifact archives.
 */
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

export type ZipEntryKind = 'file' | 'directory' | 'symlink';

export interface ZipEntry {
  /** Relative path with `/` separators; directories without the trailing slash. */
  readonly path: string;
  readonly kind: ZipEntryKind;
  /** Permission bits (0o7777). */
  readonly mode: number;
  readonly mtime: Date;
  /** File contents, or the link target of a symlink; empty for directories. */
  readonly data: Uint8Array;
}

const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const END_SIGNATURE = 0x06054b50;
const UTF8_FLAG = 0x0800;
const MADE_BY_UNIX = (3 << 8) | 20;
const STORED = 0;
const DEFLATED = 8;
const MAX_32 = 0xffffffff;
const TYPE_BITS: Record<ZipEntryKind, number> = {
  file: 0o100000,
  directory: 0o040000,
  symlink: 0o120000,
};

/** Thrown for an archive this reader cannot read; the message says what is wrong. */
export class ZipFormatError extends Error {
  constructor(message: string) {
    super(`invalid zip archive: ${message}`);
    this.name = 'ZipFormatError';
  }
}

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getFullYear());
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

function fromDos(time: number, date: number): Date {
  return new Date(
    1980 + (date >> 9),
    ((date >> 5) & 0x0f) - 1,
    date & 0x1f,
    time >> 11,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  );
}

interface Written {
  readonly name: Buffer;
  readonly method: number;
  readonly crc: number;
  readonly compressed: number;
  readonly size: number;
  readonly dos: { time: number; date: number };
  readonly external: number;
  readonly offset: number;
}

/** One entry's compressed body and the facts both of its headers carry. */
function prepare(entry: ZipEntry, offset: number): { record: Written; body: Buffer } {
  const name = Buffer.from(entry.kind === 'directory' ? `${entry.path}/` : entry.path, 'utf8');
  const raw = entry.kind === 'directory' ? Buffer.alloc(0) : Buffer.from(entry.data);
  const deflated = entry.kind === 'file' && raw.length > 0 ? deflateRawSync(raw) : undefined;
  const useDeflate = deflated !== undefined && deflated.length < raw.length;
  if (raw.length > MAX_32 || offset > MAX_32) throw new RangeError('archive too large for zip32');
  const body = useDeflate ? deflated : raw;
  const record: Written = {
    name,
    method: useDeflate ? DEFLATED : STORED,
    crc: crc32(raw),
    compressed: body.length,
    size: raw.length,
    dos: dosDateTime(entry.mtime),
    external: ((TYPE_BITS[entry.kind] | (entry.mode & 0o7777)) << 16) >>> 0,
    offset,
  };
  return { record, body };
}

/**
 * The fields the local and the central header share, in the same order and layout (version
 * needed … name length); they start at byte 4 of a local header and at byte 6 of a central one.
 */
function writeSharedFields(header: Buffer, record: Written, at: number): void {
  header.writeUInt16LE(20, at);
  header.writeUInt16LE(UTF8_FLAG, at + 2);
  header.writeUInt16LE(record.method, at + 4);
  header.writeUInt16LE(record.dos.time, at + 6);
  header.writeUInt16LE(record.dos.date, at + 8);
  header.writeUInt32LE(record.crc, at + 10);
  header.writeUInt32LE(record.compressed, at + 14);
  header.writeUInt32LE(record.size, at + 18);
  header.writeUInt16LE(record.name.length, at + 22);
}

function localHeader(record: Written): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_SIGNATURE, 0);
  writeSharedFields(header, record, 4);
  return header;
}

function centralHeader(record: Written): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_SIGNATURE, 0);
  header.writeUInt16LE(MADE_BY_UNIX, 4);
  writeSharedFields(header, record, 6);
  header.writeUInt32LE(record.external, 38);
  header.writeUInt32LE(record.offset, 42);
  return header;
}

/** The zip archive of `entries`, in the order given (parents before children, for readers). */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  if (entries.length > 0xffff) throw new RangeError('more than 65535 entries need zip64');
  const parts: Buffer[] = [];
  const written: Written[] = [];
  let offset = 0;
  for (const entry of entries) {
    const { record, body } = prepare(entry, offset);
    const header = localHeader(record);
    parts.push(header, record.name, body);
    offset += header.length + record.name.length + body.length;
    written.push(record);
  }
  const centralStart = offset;
  for (const record of written) {
    const header = centralHeader(record);
    parts.push(header, record.name);
    offset += header.length + record.name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_SIGNATURE, 0);
  end.writeUInt16LE(written.length, 8);
  end.writeUInt16LE(written.length, 10);
  end.writeUInt32LE(offset - centralStart, 12);
  end.writeUInt32LE(centralStart, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

function findEnd(zip: Buffer): number {
  // The end record is 22 bytes plus a comment of up to 65535 bytes.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at--) {
    if (zip.readUInt32LE(at) === END_SIGNATURE) return at;
  }
  throw new ZipFormatError('no end of central directory record');
}

function kindOf(name: string, external: number, madeBy: number): ZipEntryKind {
  const unixMode = madeBy >> 8 === 3 ? external >>> 16 : 0;
  const type = unixMode & 0o170000;
  if (type === TYPE_BITS.symlink) return 'symlink';
  if (type === TYPE_BITS.directory || name.endsWith('/')) return 'directory';
  return 'file';
}

function readEntry(zip: Buffer, at: number): { entry: ZipEntry; next: number } {
  if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
    throw new ZipFormatError('broken central directory');
  }
  const madeBy = zip.readUInt16LE(at + 4);
  const flags = zip.readUInt16LE(at + 8);
  const method = zip.readUInt16LE(at + 10);
  const crc = zip.readUInt32LE(at + 16);
  const compressed = zip.readUInt32LE(at + 20);
  const nameLength = zip.readUInt16LE(at + 28);
  const extraLength = zip.readUInt16LE(at + 30);
  const commentLength = zip.readUInt16LE(at + 32);
  const external = zip.readUInt32LE(at + 38);
  const local = zip.readUInt32LE(at + 42);
  const rawName = zip.subarray(at + 46, at + 46 + nameLength);
  const name = rawName.toString(flags & UTF8_FLAG ? 'utf8' : 'latin1');
  if ((flags & 1) !== 0) throw new ZipFormatError(`${name} is encrypted`);
  if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`broken local header of ${name}`);
  }
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const body = zip.subarray(start, start + compressed);
  if (body.length !== compressed) throw new ZipFormatError(`${name} is truncated`);
  let data: Buffer;
  if (method === STORED) data = Buffer.from(body);
  else if (method === DEFLATED) data = inflateRawSync(body);
  else throw new ZipFormatError(`${name} uses compression method ${method}`);
  if (crc32(data) !== crc) throw new ZipFormatError(`${name} fails its CRC check`);
  const kind = kindOf(name, external, madeBy);
  const mode = madeBy >> 8 === 3 ? (external >>> 16) & 0o7777 : 0;
  return {
    entry: {
      path: name.replace(/\/+$/, ''),
      kind,
      mode: mode || (kind === 'directory' ? 0o755 : 0o644),
      mtime: fromDos(zip.readUInt16LE(at + 12), zip.readUInt16LE(at + 14)),
      data: kind === 'directory' ? new Uint8Array() : data,
    },
    next: at + 46 + nameLength + extraLength + commentLength,
  };
}

/** The entries of a zip archive, in central-directory order. Throws ZipFormatError. */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const zip = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (zip.length < 22) throw new ZipFormatError('too short');
  const end = findEnd(zip);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    const { entry, next } = readEntry(zip, at);
    entries.push(entry);
    at = next;
  }
  return entries;
}
