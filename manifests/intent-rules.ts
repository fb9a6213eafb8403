// Rules of a routing intent that a field schema cannot express: weights, subsets,
// one-of matches, durations that must be positive, rule order. Each part of the raw
// section is checked if it parses on its own, so all problems surface in one run.
import type { ConfigIssue } from '../pipelines/model/config-issues.js';
import { durationMs } from '../pipelines/model/duration.js';
import { literalMatchProblem } from './literal-match.js';
import { re2Error } from './re2.js';
import { dnsSubdomainSchema, ruleSchema, type RoutingRule, type StringMatch } from './intent-schema.js';
import { shadows } from './match.js';
import { closest } from '../pipelines/model/suggest.js';

/** Istio retryOn conditions; a number (an HTTP status) is also accepted. */
export const retryConditions = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure', 'cancelled',
  'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
];

interface Context {
  service?: string;
  /** Defined subset names; undefined when `subsets` itself is invalid. */
  subsets?: Set<string>;
  push(path: string, message: string): void;
}

function oneOf(match: StringMatch, path: string, ctx: Context, isPath: boolean): void {
  const set = (['exact', 'prefix', 'regex'] as const).filter((k) => match[k] !== undefined);
  if (set.length !== 1) {
    ctx.push(path, `set exactly one of exact, prefix, regex${set.length > 1 ? ` (found ${set.join(', ')})` : ''}`);
    return;
  }
  const literal = match.regex === undefined ? (match.exact ?? match.prefix)! : undefined;
  const mistaken = literal === undefined ? undefined : literalMatchProblem(set[0] as 'exact' | 'prefix', literal, isPath);
  if (mistaken !== undefined) ctx.push(`${path}.${set[0]}`, mistaken);
  else if (isPath && literal !== undefined && !literal.startsWith('/')) ctx.push(`${path}.${set[0]}`, 'a path must start with /');
  const invalid = match.regex === undefined ? undefined : re2Error(match.regex);
  if (invalid !== undefined) {
    ctx.push(`${path}.regex`, `is not a valid regular expression for Envoy and Gateway API implementations, which use RE2 (${invalid}); RE2 has no lookahead, lookbehind or backreferences`);
  }
}

function target(
  dest: { service?: string; subset?: string },
  path: string,
  ctx: Context,
): void {
  if (dest.service === undefined && dest.subset === undefined) {
    ctx.push(path, 'names neither service nor subset; add one of them');
    return;
  }
  if (dest.service === undefined && ctx.service === undefined) {
    ctx.push(`${path}.service`, 'missing; name the service here or set routing.service as the default');
  }
  if (dest.subset === undefined) return;
  if (dest.service !== undefined && ctx.service !== undefined && dest.service !== ctx.service) {
    ctx.push(`${path}.subset`, `subsets belong to routing.service (${ctx.service}), not ${dest.service}; drop service or subset`);
  } else if (ctx.subsets && !ctx.subsets.has(dest.subset)) {
    const known = [...ctx.subsets];
    const guess = closest(dest.subset, known);
    const defined = known.length > 0 ? `defined: ${known.join(', ')}` : 'none is defined';
    ctx.push(`${path}.subset`, `${dest.subset} is not defined in routing.subsets (${defined})${guess ? `; did you mean ${guess}?` : ''}`);
  }
}

function positive(value: string | undefined, path: string, ctx: Context): number | undefined {
  if (value === undefined) return undefined;
  const ms = durationMs(value);
  if (ms === 0) ctx.push(path, 'must be at least 1ms');
  return ms;
}

function checkRule(rule: RoutingRule, p: string, ctx: Context): void {
  if (rule.match) {
    const headers = Object.entries(rule.match.headers ?? {});
    if (!rule.match.path && headers.length === 0) {
      ctx.push(`${p}.match`, 'has no condition; add path or headers, or remove match to catch every request');
    }
    if (rule.match.path) oneOf(rule.match.path, `${p}.match.path`, ctx, true);
    for (const [name, m] of headers) oneOf(m, `${p}.match.headers.${name}`, ctx, false);
  }
  rule.to.forEach((d, k) => target(d, `${p}.to[${k}]`, ctx));
  if (rule.to.length === 1 && rule.to[0]!.weight !== undefined && rule.to[0]!.weight !== 100) {
    ctx.push(`${p}.to[0].weight`, 'a single destination takes all traffic; remove weight (or set 100)');
  }
  if (rule.to.length > 1) {
    const missing = rule.to.flatMap((d, k) => (d.weight === undefined ? [k] : []));
    for (const k of missing) {
      ctx.push(`${p}.to[${k}].weight`, `missing; with ${rule.to.length} destinations each needs a weight, together 100`);
    }
    const sum = rule.to.reduce((s, d) => s + (d.weight ?? 0), 0);
    if (missing.length === 0 && sum !== 100) ctx.push(`${p}.to`, `weights sum to ${sum}, must be 100`);
    const seen = new Map<string, number>();
    rule.to.forEach((d, k) => {
      const key = `${d.service ?? ctx.service}/${d.subset ?? ''}/${d.port ?? ''}`;
      const first = seen.get(key);
      if (first !== undefined) ctx.push(`${p}.to[${k}]`, `same destination as to[${first}]; merge their weights`);
      else seen.set(key, k);
    });
  }
  if (rule.mirror) target(rule.mirror, `${p}.mirror`, ctx);
  if (rule.fault) {
    if (!rule.fault.delay && !rule.fault.abort) ctx.push(`${p}.fault`, 'set delay, abort or both');
    positive(rule.fault.delay?.fixed, `${p}.fault.delay.fixed`, ctx);
  }
  const timeout = positive(rule.timeout, `${p}.timeout`, ctx);
  if (rule.retries) {
    const perTry = positive(rule.retries.perTryTimeout, `${p}.retries.perTryTimeout`, ctx);
    positive(rule.retries.backoff, `${p}.retries.backoff`, ctx);
    if (timeout !== undefined && perTry !== undefined && perTry > timeout) {
      ctx.push(`${p}.retries.perTryTimeout`, `${rule.retries.perTryTimeout} is longer than timeout ${rule.timeout}; make it shorter, or raise timeout`);
    }
    for (const token of (rule.retries.on ?? '').split(',').map((t) => t.trim())) {
      if (rule.retries.on !== undefined && !retryConditions.includes(token) && !/^[1-5][0-9]{2}$/.test(token)) {
        const guess = closest(token, retryConditions);
        ctx.push(`${p}.retries.on`, `unknown retry condition ${JSON.stringify(token)}; ${guess ? `did you mean ${guess}? ` : ''}use Istio retryOn conditions (5xx, reset, connect-failure, gateway-error...) or status codes, comma-separated`);
      }
    }
  }
}

/** The rule, if it parses once unknown keys (reported by the schema layer) are dropped. */
function parseIgnoringUnknownKeys(raw: unknown): RoutingRule | undefined {
  const first = ruleSchema.safeParse(raw);
  if (first.success) return first.data;
  const unknown = first.error.issues.filter((i) => i.code === 'unrecognized_keys');
  if (unknown.length === 0 || unknown.length < first.error.issues.length) return undefined;
  const copy = structuredClone(raw);
  for (const issue of unknown) {
    let target: unknown = copy;
    for (const key of issue.path) target = (target as Record<PropertyKey, unknown>)[key];
    for (const key of issue.keys) delete (target as Record<string, unknown>)[key];
  }
  const second = ruleSchema.safeParse(copy);
  return second.success ? second.data : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Cross-field problems of a raw `routing` section, with paths under `prefix`. */
export function routingRules(raw: unknown, prefix: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const section = asRecord(raw);
  if (!section) return issues;
  const service = dnsSubdomainSchema.safeParse(section.service);
  const subsets = section.subsets === undefined ? {} : asRecord(section.subsets);
  const ctx: Context = {
    service: service.success ? service.data : undefined,
    subsets: subsets ? new Set(Object.keys(subsets)) : undefined,
    push: (path, message) => issues.push({ path: `${prefix}.${path}`, message }),
  };
  if (section.service === undefined && ctx.subsets && ctx.subsets.size > 0) {
    ctx.push('service', 'missing; subsets are subsets of routing.service, so name that service');
  }
  for (const [name, labels] of Object.entries(subsets ?? {})) {
    if (asRecord(labels) && Object.keys(labels as object).length === 0) {
      ctx.push(`subsets.${name}`, 'has no labels; a subset selects pods by labels, e.g. { version: v1 }');
    }
  }
  if (!Array.isArray(section.rules)) return issues;
  const parsed: { index: number; rule: RoutingRule }[] = [];
  section.rules.forEach((raw, index) => {
    const rule = parseIgnoringUnknownKeys(raw);
    if (rule) parsed.push({ index, rule });
  });
  const names = new Map<string, number>();
  parsed.forEach(({ index, rule }, n) => {
    const p = `rules[${index}]`;
    checkRule(rule, p, ctx);
    if (rule.name !== undefined) {
      const first = names.get(rule.name);
      if (first !== undefined) ctx.push(`${p}.name`, `${rule.name} is already the name of rules[${first}]; rule names must be unique`);
      else names.set(rule.name, index);
    }
    const hider = parsed.slice(0, n).find((earlier) => shadows(earlier.rule.match, rule.match));
    if (hider) {
      const why = hider.rule.match ? `rules[${hider.index}] matches every request it matches` : `rules[${hider.index}] has no match and catches every request`;
      ctx.push(p, `unreachable: ${why} (first match wins); put the more specific rule first, or remove it`);
    }
  });
  return issues;
}
