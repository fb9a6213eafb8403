// The `format` values of CRD schemas, checked as the apiserver's OpenAPI validation
// (kube-openapi strfmt) checks them. Formats it does not know are not checked there
// either, so ajv ignores them here too.
import { isIPv4, isIPv6 } from 'node:net';
import { goDurationMs } from '../pipelines/model/go-duration.js';

type Check = (value: string) => boolean;

/** A Go net.ParseIP address: no zone, no leading zeros. */
const parsesAsIp = (s: string): boolean => !s.includes('%') && (isIPv4(s) || isIPv6(s));

const label = '[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?';
const hostnameRe = new RegExp(`^${label}(\\.${label})*\\.?$`);
const dateTimeRe = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const base64Re = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isUri(s: string): boolean {
  if (s.startsWith('/')) return !/\s/.test(s);
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

export const stringFormats: Record<string, Check> = {
  // kube-openapi: an IP that contains '.' (IPv4, or IPv4-mapped IPv6) / ':' (IPv6).
  ipv4: (s) => parsesAsIp(s) && s.includes('.'),
  ipv6: (s) => parsesAsIp(s) && s.includes(':'),
  hostname: (s) => s.length <= 255 && hostnameRe.test(s),
  uri: isUri,
  'date-time': (s) => dateTimeRe.test(s) && !Number.isNaN(Date.parse(s.replace(' ', 'T'))),
  duration: (s) => goDurationMs(s) !== undefined,
  byte: (s) => base64Re.test(s),
};

const int = (bits: number) => (n: number) => Number.isInteger(n) && n >= -(2 ** (bits - 1)) && n < 2 ** (bits - 1);
export const numberFormats: Record<string, (n: number) => boolean> = {
  int32: int(32),
  int64: int(64),
  double: () => true,
  float: () => true,
};
