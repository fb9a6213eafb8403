// Pure tar header parsing (ustar, pax extended headers, GNU long names).
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface RawHeader {
  name: string;
  /** The name and link fields are valid UTF-8 (a name that is not could be read two ways). */
  utf8: boolean;
  linkname: string;
  size: number;
  /** Permission bits (and set-ID bits) as octal. */
  mode: number;
  typeflag: string;
}

export const block = 512;

export function padded(size: number): number {
  return Math.ceil(size / block) * block;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function cBytes(buf: Buffer, start: number, length: number): Buffer {
  const slice = buf.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? length : end);
}

function cString(buf: Buffer, start: number, length: number): string {
  return cBytes(buf, start, length).toString('utf8');
}

/** Whether `bytes` are valid UTF-8. */
export function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * A numeric field as GNU tar reads it: optional spaces, octal digits, then only spaces or
 * NULs (anything else is NaN, where a lenient parser and tar could disagree); or GNU
 * base-256 for sizes over 8 GiB (negative values are NaN).
 */
function numeric(buf: Buffer, start: number, length: number): number {
  const field = buf.subarray(start, start + length);
  if (field[0] === 0x80) {
    let value = 0;
    for (let i = 1; i < length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const match = /^ *([0-7]+)[ \0]*$/.exec(field.toString('latin1'));
  return match ? parseInt(match[1]!, 8) : NaN;
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
  const mode = numeric(buf, 100, 8);
  if (Number.isNaN(mode)) return undefined;
  const utf8 = isUtf8(cBytes(buf, 0, 100)) && isUtf8(cBytes(buf, 157, 100)) && (magic !== 'ustar\0' || isUtf8(cBytes(buf, 345, 155)));
  return {
    name: prefix ? `${prefix}/${name}` : name,
    utf8,
    linkname: cString(buf, 157, 100),
    size,
    mode,
    typeflag: String.fromCharCode(buf[156]!) === '\0' ? '0' : String.fromCharCode(buf[156]!),
  };
}

export function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0':
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

/** pax keys a reader may meet; any other (sparse files, xattrs, charsets) is refused. */
const paxKeys = new Set(['path', 'linkpath', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname']);

/**
 * Records of a pax extended header ("<len> key=value\n"...), read strictly: every byte in a
 * record of the right length, known keys only, each once. Returns the reason otherwise.
 */
export function parsePax(data: Buffer): Record<string, string> | string {
  const records: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const digits = space === -1 ? '' : data.subarray(pos, space).toString('latin1');
    if (!/^[1-9][0-9]{0,8}$/.test(digits)) return `a pax record at byte ${pos} has no valid length`;
    const end = pos + Number(digits);
    if (end > data.length || data[end - 1] !== 0x0a) return `a pax record at byte ${pos} does not end where its length says`;
    const body = data.subarray(space + 1, end - 1);
    const eq = body.indexOf(0x3d);
    if (eq <= 0 || !isUtf8(body)) return `a pax record at byte ${pos} is not key=value in UTF-8`;
    const key = body.subarray(0, eq).toString('utf8');
    if (!paxKeys.has(key)) return `it sets the pax key "${key}", which bundles do not use`;
    if (key in records) return `it sets the pax key "${key}" twice`;
    records[key] = body.subarray(eq + 1).toString('utf8');
    pos = end;
  }
  if (records.size !== undefined && !/^[0-9]{1,15}$/.test(records.size)) return `its pax size "${records.size}" is not a whole number`;
  return records;
}
