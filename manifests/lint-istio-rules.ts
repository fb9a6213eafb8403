// Checks Istio's own validation makes on a VirtualService that its CRD schema does not
// (pkg/config/validation in istio.io/istio): a route kind is present, header names and
// header operations, retryOn values, retries with zero attempts, fault injection.
// `istioctl validate` runs the same checks (test/integration/lint-istioctl.test.ts).
import type { RuleFinding } from './lint-types.js';
import { re2Error } from './re2.js';
import { closest } from '../pipelines/model/suggest.js';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on policies Istio accepts. */
export const istioRetryPolicies = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

/** The status codes Go's net/http names (http.StatusText), which Istio accepts in retryOn. */
const namedStatuses = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  ...Array.from({ length: 19 }, (_, i) => 400 + i), 421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
  ...Array.from({ length: 9 }, (_, i) => 500 + i), 510, 511,
]);

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const pseudoHeaders = new Set([':method', ':scheme', ':authority', ':path', ':status']);
const isJwtClaim = (name: string) => name.startsWith('@request.auth.claims.') || name.startsWith('@request.auth.claims[');

function matchHeaderNames(m: Obj, path: string, out: RuleFinding[]): void {
  for (const field of ['headers', 'withoutHeaders']) {
    for (const name of Object.keys(asObj(m[field]) ?? {})) {
      if (name === '') out.push({ path: `${path}.${field}`, message: 'header name cannot be empty', fix: 'name the header, or remove the empty entry' });
      else if (!isJwtClaim(name) && !pseudoHeaders.has(name) && !tokenRe.test(name)) {
        out.push({ path: `${path}.${field}.${name}`, message: `header name ${name} is not a valid header name (letters, digits and !#$%&'*+-.^_\`|~)`, fix: `write the header name without spaces or separators, e.g. ${name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]+/g, '-')}` });
      }
    }
  }
}

/** Istio compiles match regexes with Go's regexp (RE2), as Envoy runs them. */
function matchRegexes(m: Obj, path: string, out: RuleFinding[]): void {
  const check = (sm: unknown, at: string) => {
    const regex = asObj(sm)?.regex;
    if (typeof regex !== 'string') return;
    // In withoutHeaders, `*` means "present", not a regex.
    if (regex === '*' && at.includes('.withoutHeaders.')) return;
    const error = re2Error(regex);
    if (error !== undefined) out.push({ path: `${at}.regex`, message: `is not a valid regular expression for Envoy, which uses RE2 (${error})`, fix: 'write it in RE2 syntax (no lookaround or backreferences)' });
  };
  for (const field of ['uri', 'scheme', 'method', 'authority']) check(m[field], `${path}.${field}`);
  for (const field of ['headers', 'withoutHeaders', 'queryParams']) {
    for (const [name, sm] of Object.entries(asObj(m[field]) ?? {})) check(sm, `${path}.${field}.${name}`);
  }
}

function headerOperations(headers: unknown, path: string, out: RuleFinding[]): void {
  for (const side of ['request', 'response'] as const) {
    const ops = asObj(asObj(headers)?.[side]);
    if (!ops) continue;
    const names: [string, string][] = [
      ...Object.keys(asObj(ops.set) ?? {}).map((n) => [n, 'set'] as [string, string]),
      ...Object.keys(asObj(ops.add) ?? {}).map((n) => [n, 'add'] as [string, string]),
      ...asList(ops.remove).filter((n): n is string => typeof n === 'string').map((n) => [n, 'remove'] as [string, string]),
    ];
    for (const [name, op] of names) {
      const at = `${path}.${side}.${op}`;
      const authority = name.toLowerCase() === ':authority' || name.toLowerCase() === 'host';
      // Setting or adding the authority of a request is allowed; every other case refuses host and pseudo-headers.
      const mayTouchAuthority = side === 'request' && op !== 'remove';
      if (name === '') out.push({ path: at, message: 'header name cannot be empty', fix: 'name the header, or remove the empty entry' });
      else if (!mayTouchAuthority && name.toLowerCase() === 'host') out.push({ path: at, message: `invalid header "${name}": cannot set Host header`, fix: `remove ${name} here; to rewrite the host, use rewrite.authority on the route` });
      else if (name.startsWith(':') && !(mayTouchAuthority && authority)) out.push({ path: at, message: `invalid header "${name}": header cannot have ":" prefix`, fix: `remove ${name}: pseudo-headers cannot be changed here` });
    }
  }
}

function retries(value: unknown, path: string, out: RuleFinding[]): void {
  const r = asObj(value);
  if (!r) return;
  const attempts = typeof r.attempts === 'number' ? r.attempts : 0;
  if (attempts === 0 && (r.perTryTimeout !== undefined || (typeof r.retryOn === 'string' && r.retryOn !== '') || r.retryRemoteLocalities !== undefined)) {
    out.push({ path: `${path}.attempts`, message: 'http retry policy configured when attempts are set to 0 (disabled); set attempts, or remove retries', fix: 'set attempts (e.g. attempts: 3), or remove retries' });
  }
  if (typeof r.retryOn === 'string' && r.retryOn !== '') {
    for (const policy of r.retryOn.split(',')) {
      const status = /^[0-9]+$/.test(policy) ? Number(policy) : NaN;
      if (!istioRetryPolicies.has(policy) && !namedStatuses.has(status)) {
        const hint = policy.trim() !== policy ? ' (no spaces around commas)' : `; use ${[...istioRetryPolicies].slice(0, 6).join(', ')}… or an HTTP status`;
        out.push({ path: `${path}.retryOn`, message: `${JSON.stringify(policy)} is not a valid retryOn policy${hint}`, fix: retryOnFix(policy) });
      }
    }
  }
}

function retryOnFix(policy: string): string {
  if (policy.trim() !== policy) return 'remove the spaces around the commas';
  const guess = closest(policy, istioRetryPolicies);
  return guess ? `did you mean ${guess}? write ${guess}` : `use ${[...istioRetryPolicies].slice(0, 6).join(', ')}… or an HTTP status`;
}

function percentage(value: unknown, path: string, out: RuleFinding[]): void {
  const v = asObj(value)?.value;
  if (typeof v === 'number' && (v < 0 || v > 100 || (v > 0 && v < 0.0001))) {
    out.push({ path: `${path}.value`, message: `percentage ${v} is neither 0, nor in range [0.0001, 100]`, fix: `write 0, or a percentage from 0.0001 to 100 (e.g. ${v > 100 ? 100 : 0.0001})` });
  }
}

function fault(value: unknown, path: string, out: RuleFinding[]): void {
  const f = asObj(value);
  if (!f) return;
  if (f.abort === undefined && f.delay === undefined) out.push({ path, message: 'HTTP fault injection must have an abort and/or a delay', fix: 'add abort: { httpStatus: 500, percentage: { value: 10 } } or delay: { fixedDelay: 5s, percentage: { value: 50 } }, or remove fault' });
  const abort = asObj(f.abort);
  if (abort) {
    percentage(abort.percentage, `${path}.abort.percentage`, out);
    const status = abort.httpStatus;
    if (typeof status === 'number' && (status < 200 || status > 600)) out.push({ path: `${path}.abort.httpStatus`, message: `HTTP status ${status} is not in range 200-599`, fix: 'write an HTTP status from 200 to 599, e.g. 503' });
    if (abort.http2Error !== undefined) out.push({ path: `${path}.abort.http2Error`, message: 'HTTP/2 abort fault injection not supported yet', fix: 'use httpStatus instead of http2Error' });
  }
  const delay = asObj(f.delay);
  if (delay) {
    percentage(delay.percentage, `${path}.delay.percentage`, out);
    if (delay.exponentialDelay !== undefined) out.push({ path: `${path}.delay.exponentialDelay`, message: 'exponentialDelay not supported yet', fix: 'use fixedDelay instead of exponentialDelay' });
  }
}

export function istioVirtualServiceRules(spec: Obj): RuleFinding[] {
  const out: RuleFinding[] = [];
  if (asList(spec.http).length === 0 && asList(spec.tcp).length === 0 && asList(spec.tls).length === 0) {
    out.push({ path: 'spec', message: 'http, tcp or tls must be provided in virtual service', fix: 'add an http route, e.g. http: [{ route: [{ destination: { host: my-service } }] }]' });
  }
  asList(spec.http).forEach((raw, i) => {
    const route = asObj(raw);
    if (!route) return;
    const p = `spec.http[${i}]`;
    asList(route.match).forEach((m, k) => {
      matchHeaderNames(asObj(m) ?? {}, `${p}.match[${k}]`, out);
      matchRegexes(asObj(m) ?? {}, `${p}.match[${k}]`, out);
    });
    headerOperations(route.headers, `${p}.headers`, out);
    asList(route.route).forEach((d, k) => headerOperations(asObj(d)?.headers, `${p}.route[${k}].headers`, out));
    retries(route.retries, `${p}.retries`, out);
    fault(route.fault, `${p}.fault`, out);
    asList(route.mirrors).forEach((m, k) => percentage(asObj(m)?.percentage, `${p}.mirrors[${k}].percentage`, out));
  });
  return out;
}
