// Pure tar header parsing (ustar, pax extended headers, GNU long names).
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface RawHeader {
  name: string;
  linkname: string;
  size: number;
  typeflag: string;
}

export const block = 512;

export function padded(size: number): number {
  return Math.ceil(size / block) * block;
}

function cString(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? length : end).toString('utf8');
}

function numeric(buf: Buffer, start: number, length: number): number {
  const field = buf.subarray(start, start + length);
  if (field[0]! & 0x80) {
    // GNU base-256 for sizes over 8 GiB.
    let value = field[0]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = cString(buf, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

export function isZeroBlock(buf: Buffer): boolean {
  for (let i = 0; i < block; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Parses one 512-byte header; undefined if its checksum does not match (not a tar header). */
export function parseHeader(buf: Buffer): RawHeader | undefined {
  let sum = 0;
  for (let i = 0; i < block; i++) sum += i >= 148 && i < 156 ? 32 : buf[i]!;
  const stored = numeric(buf, 148, 8);
  if (Number.isNaN(stored) || stored !== sum) return undefined;
  const magic = buf.subarray(257, 263).toString('latin1');
  const prefix = magic === 'ustar\0' ? cString(buf, 345, 155) : '';
  const name = cString(buf, 0, 100);
  const size = numeric(buf, 124, 12);
  if (Number.isNaN(size) || size < 0) return undefined;
  return {
    name: prefix ? `${prefix}/${name}` : name,
    linkname: cString(buf, 157, 100),
    size,
    typeflag: String.fromCharCode(buf[156]!) === '\0' ? '0' : String.fromCharCode(buf[156]!),
  };
}

export function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0':
    case '7':
      return 'file';
    case '5':
      return 'directory';
    case '2':
      return 'symlink';
    case '1':
      return 'hardlink';
    default:
      return 'other';
  }
}

/** Records of a pax extended header ("<len> key=value\n"...). */
export function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = parseInt(data.subarray(pos, space).toString('latin1'), 10);
    if (!length || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return records;
}
