// Semantic checks of hand-written routing manifests, beyond their CRD schemas and CEL
// rules: the rules the intent enforces (weights, subsets of destinations and mirrors,
// rule order), Istio's own validation (lint-istio-rules.ts), and the notes' pattern-3
// mistake.
import type { RoutingMatch, StringMatch } from './intent-schema.js';
import { istioVirtualServiceRules } from './lint-istio-rules.js';
import { literalMatch } from './literal-match.js';
import { isCatchAll, shadows } from './match.js';
import { re2Error } from './re2.js';
import { closest } from '../pipelines/model/suggest.js';
import type { RuleFinding } from './lint-types.js';

type Obj = Record<string, unknown>;

const asObj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function percentage(value: unknown, path: string, out: RuleFinding[]): void {
  if (typeof value === 'number' && (value < 0 || value > 100)) out.push({ path, message: `${value} must be between 0 and 100`, fix: `write a percentage from 0 to 100, e.g. ${Math.min(100, Math.max(0, value))}` });
}

function uriAndHeaders(m: Obj): RoutingMatch {
  return { path: asObj(m.uri) as StringMatch | undefined, headers: asObj(m.headers) as Record<string, StringMatch> | undefined };
}

/** Only uri and header conditions are reasoned about; anything else narrows a match. */
const onlyUriAndHeaders = (m: Obj) => Object.keys(m).every((k) => k === 'uri' || k === 'headers' || k === 'name');

/** Does earlier (a list of alternatives; none = everything) catch every request of later? */
function shadowsAll(earlier: unknown, later: unknown): boolean {
  const e = asList(earlier).map((m) => asObj(m) ?? {}).filter(onlyUriAndHeaders);
  const l = asList(later).map((m) => asObj(m) ?? {});
  if (asList(earlier).length === 0) return true;
  if (l.length === 0) return e.some((m) => isCatchAll(uriAndHeaders(m)));
  return l.every((lm) => e.some((em) => shadows(uriAndHeaders(em), uriAndHeaders(lm))));
}

function subsetFix(subset: string, host: string, known: readonly string[]): string {
  const guess = closest(subset, known);
  if (guess) return `did you mean ${guess}? write subset: ${guess}`;
  return known.length > 0 ? `use one of ${known.join(', ')}, or add subset ${subset} to the DestinationRule of ${host}` : `add subset ${subset} to the DestinationRule of ${host}`;
}

/** How to make weights sum to 100: the missing weight, or the difference to take off. */
function weightFix(weights: readonly unknown[], sum: number): string {
  const missing = weights.filter((w) => typeof w !== 'number').length;
  if (missing === 1 && sum < 100) return `give the destination without weight weight: ${100 - sum}`;
  if (missing > 0) return 'give every destination a weight, and make them sum to 100';
  return sum > 100 ? `take ${sum - 100} off the weights so that they sum to 100` : `add ${100 - sum} to the weights so that they sum to 100`;
}

/** exact/prefix values of Istio StringMatches that look like a regex or glob. */
function istioLiteralMatches(m: Obj, path: string, out: RuleFinding[]): void {
  const check = (sm: unknown, at: string, isPath: boolean) => {
    for (const kind of ['exact', 'prefix'] as const) {
      const value = asObj(sm)?.[kind];
      const found = typeof value === 'string' ? literalMatch(kind, value, isPath, 'istio') : undefined;
      if (found) out.push({ path: `${at}.${kind}`, message: found.problem, fix: found.fix });
    }
  };
  check(m.uri, `${path}.uri`, true);
  for (const field of ['headers', 'queryParams']) {
    for (const [name, sm] of Object.entries(asObj(m[field]) ?? {})) check(sm, `${path}.${field}.${name}`, false);
  }
}

/** PathPrefix/Exact path values of an HTTPRoute match that look like a regex or glob. */
function gatewayLiteralPath(m: Obj, path: string, out: RuleFinding[]): void {
  const match = asObj(m.path);
  const type = match?.type ?? 'PathPrefix';
  if (typeof match?.value !== 'string' || (type !== 'PathPrefix' && type !== 'Exact')) return;
  const found = literalMatch(type === 'PathPrefix' ? 'prefix' : 'exact', match.value, true, 'gateway-api');
  if (found) out.push({ path: `${path}.path.value`, message: found.problem, fix: found.fix });
}

export function virtualServiceRules(spec: Obj, subsetsOf: (host: string) => string[] | undefined): RuleFinding[] {
  const out: RuleFinding[] = [];
  const http = asList(spec.http);
  http.forEach((raw, i) => {
    const route = asObj(raw);
    if (!route) return;
    const p = `spec.http[${i}]`;
    const destinations = asList(route.route);
    destinations.forEach((d, k) => {
      const item = asObj(d) ?? {};
      const misplaced = ['mirror', 'mirrorPercentage', 'mirror_percent', 'mirrorPercent'].filter((key) => key in item);
      if (misplaced.length > 0) {
        out.push({
          path: `${p}.route[${k}]`,
          message: `${misplaced.join(' and ')} ${misplaced.length > 1 ? 'are' : 'is'} not a route destination: in a VirtualService mirror and mirrorPercentage are fields of the HTTP route; move them out of the route list, up beside route (into ${p})`,
          fix: `move ${misplaced.join(' and ')} out of ${p}.route[${k}] into ${p} (beside route), e.g. mirror: { host: …, subset: … } and mirrorPercentage: { value: 50 }`,
          explains: true,
        });
      }
      const dest = asObj(item.destination);
      const host = typeof dest?.host === 'string' ? dest.host : undefined;
      const subset = typeof dest?.subset === 'string' ? dest.subset : undefined;
      const known = host ? subsetsOf(host) : undefined;
      if (subset && known && !known.includes(subset)) {
        out.push({ path: `${p}.route[${k}].destination.subset`, message: `${subset} is not a subset of ${host} in its DestinationRule (${known.join(', ') || 'none'})`, fix: subsetFix(subset, host ?? '', known) });
      }
    });
    // A mirror must name a defined subset too (Envoy rejects the route otherwise).
    const mirrors: [string, unknown][] = [
      [`${p}.mirror`, route.mirror],
      ...asList(route.mirrors).map((m, k) => [`${p}.mirrors[${k}].destination`, asObj(m)?.destination] as [string, unknown]),
    ];
    for (const [at, target] of mirrors) {
      const dest = asObj(target);
      const host = typeof dest?.host === 'string' ? dest.host : undefined;
      const subset = typeof dest?.subset === 'string' ? dest.subset : undefined;
      const known = host ? subsetsOf(host) : undefined;
      if (subset && known && !known.includes(subset)) {
        out.push({ path: `${at}.subset`, message: `${subset} is not a subset of ${host} in its DestinationRule (${known.join(', ') || 'none'})`, fix: subsetFix(subset, host ?? '', known) });
      }
    }
    const real = destinations.filter((d) => asObj(d)?.destination !== undefined);
    if (real.length > 1) {
      const weights = real.map((d) => asObj(d)!.weight);
      const sum = weights.reduce<number>((s, w) => s + (typeof w === 'number' ? w : 0), 0);
      if (sum !== 100) out.push({ path: `${p}.route`, message: `weights sum to ${sum}, must be 100${weights.includes(undefined) ? ' (a destination without weight counts 0)' : ''}`, fix: weightFix(weights, sum) });
    }
    percentage(asObj(route.mirrorPercentage)?.value, `${p}.mirrorPercentage.value`, out);
    for (const [k, m] of asList(route.match).entries()) {
      istioLiteralMatches(asObj(m) ?? {}, `${p}.match[${k}]`, out);
      for (const name of Object.keys(asObj(asObj(m)?.headers) ?? {})) {
        if (name !== name.toLowerCase()) out.push({ path: `${p}.match[${k}].headers.${name}`, message: 'header names must be lowercase (Istio matches lowercase keys)', fix: `write ${name.toLowerCase()}` });
      }
    }
    const hider = http.slice(0, i).findIndex((earlier) => shadowsAll(asObj(earlier)?.match, route.match));
    if (hider >= 0) {
      out.push({ path: p, message: `unreachable: spec.http[${hider}] already matches every request it matches (first match wins)`, fix: `move ${p} above spec.http[${hider}] (the more specific route first), or remove it` });
    }
  });
  return [...out, ...istioVirtualServiceRules(spec)];
}

export function destinationRuleRules(spec: Obj): RuleFinding[] {
  const out: RuleFinding[] = [];
  const seen = new Map<unknown, number>();
  asList(spec.subsets).forEach((s, k) => {
    const name = asObj(s)?.name;
    const first = seen.get(name);
    if (first !== undefined) out.push({ path: `spec.subsets[${k}].name`, message: `${String(name)} is already the name of spec.subsets[${first}]`, fix: 'give each subset its own name, or merge the two subsets' });
    else seen.set(name, k);
  });
  return out;
}

export function httpRouteRules(spec: Obj): RuleFinding[] {
  const out: RuleFinding[] = [];
  asList(spec.rules).forEach((raw, i) => {
    const rule = asObj(raw) ?? {};
    const p = `spec.rules[${i}]`;
    asList(rule.matches).forEach((raw, k) => {
      const m = asObj(raw) ?? {};
      gatewayLiteralPath(m, `${p}.matches[${k}]`, out);
      const values: [string, unknown][] = [
        [`${p}.matches[${k}].path.value`, asObj(m.path)?.type === 'RegularExpression' ? asObj(m.path)?.value : undefined],
        ...asList(m.headers).map((h, j) => [`${p}.matches[${k}].headers[${j}].value`, asObj(h)?.type === 'RegularExpression' ? asObj(h)?.value : undefined] as [string, unknown]),
        ...asList(m.queryParams).map((q, j) => [`${p}.matches[${k}].queryParams[${j}].value`, asObj(q)?.type === 'RegularExpression' ? asObj(q)?.value : undefined] as [string, unknown]),
      ];
      for (const [at, value] of values) {
        const error = typeof value === 'string' ? re2Error(value) : undefined;
        if (error !== undefined) out.push({ path: at, message: `is not a regular expression Gateway API implementations accept: they use RE2 (${error})`, fix: 'write it in RE2 syntax (no lookaround or backreferences)' });
      }
    });
    if ('fault' in rule) {
      out.push({ path: `${p}.fault`, message: 'HTTPRoute cannot inject faults', fix: 'remove fault, and use an Istio VirtualService for fault injection (shipline render --api istio)', explains: true });
    }
  });
  return out;
}
