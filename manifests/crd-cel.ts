// The CRDs' CEL rules (x-kubernetes-validations), evaluated offline the way the
// apiserver evaluates them on create: each rule at a schema node sees that node's value
// as `self` (with defaults applied), objects as maps of their (escaped) property names,
// integers as CEL ints. Rules are parsed and planned once per rule text, on first use.
// Transition rules (those using oldSelf) need the stored object and are not evaluated.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { ParsedExpr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import { celEnv, celFunc, CelScalar, isCelError, parse, plan, type CelInput, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { lintCacheDir, writeAtomically } from './code-cache.js';
import type { Schema } from './crd-schemas.js';
import { celRegex } from './re2.js';

export interface CelFinding {
  path: string;
  message: string;
  /** The CEL expression that failed. */
  rule: string;
}

interface Rule {
  rule: string;
  message?: string;
  fieldPath?: string;
}

/**
 * The Kubernetes CEL library functions the shipped CRDs use beyond CEL's standard and
 * strings extension: isIP (k8s.io/apiserver/pkg/cel/library/ip.go: no zone, no
 * IPv4-mapped IPv6, no leading zeros).
 */
const isIP = celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, (s) => {
  if (s.includes('%')) return false;
  if (isIPv4(s)) return true;
  return isIPv6(s) && !/^::ffff:/i.test(s);
});

// matches() through re2js with each pattern compiled once (the default compiles per call).
const env = celEnv({ funcs: [...strings, isIP], variables: { self: CelScalar.DYN }, re2: { compile: celRegex } });

type Evaluate = (bindings: { self: CelInput }) => CelResult;
const planned = new Map<string, Evaluate | Error>();

function compile(rule: string): Evaluate | Error {
  let entry = planned.get(rule);
  if (entry === undefined) {
    try {
      entry = plan(env, parsedRule(rule)) as Evaluate;
    } catch (error) {
      entry = error as Error;
    }
    planned.set(rule, entry);
  }
  return entry;
}

/**
 * Parsing a long rule takes tens of milliseconds, planning it one: the parsed rules of
 * each CRD schema are cached on disk, under the hash of the rules. ParsedExpr messages
 * are plain objects (bigint ids, Uint8Array bytes), which V8's serializer keeps as they
 * are and reads back far faster than protobuf decoding. Each rule is stored serialized on
 * its own and read back only when it is first evaluated: a manifest meets a few of its
 * CRD's rules, and reading them all back cost more than the checks of a small input.
 */
const parsedCache = new Map<string, ParsedExpr | Uint8Array>();

function parsedRule(rule: string): ParsedExpr {
  const entry = parsedCache.get(rule);
  if (entry === undefined) return parse(rule);
  if (!(entry instanceof Uint8Array)) return entry;
  const parsed = deserialize(entry) as ParsedExpr;
  parsedCache.set(rule, parsed);
  return parsed;
}

const preparedSchemas = new WeakSet<Schema>();

function prepare(schema: Schema): void {
  if (preparedSchemas.has(schema)) return;
  preparedSchemas.add(schema);
  const rules = new Set<string>();
  walkSchema(schema, (list) => list.forEach((r) => rules.add(r.rule)));
  const texts = [...rules].sort();
  const file = join(lintCacheDir(), `cel-${createHash('sha256').update(texts.join('\0')).digest('hex').slice(0, 24)}.v2.v8`);
  try {
    const stored = deserialize(readFileSync(file)) as Map<string, Uint8Array>;
    for (const [rule, serialized] of stored) if (!parsedCache.has(rule)) parsedCache.set(rule, serialized);
    return;
  } catch {
    // Not cached yet: parse below.
  }
  const stored = new Map<string, Uint8Array>();
  for (const rule of texts) {
    try {
      const parsed = parse(rule);
      parsedCache.set(rule, parsed);
      stored.set(rule, serialize(parsed));
    } catch {
      // compile() reports it.
    }
  }
  writeAtomically(file, serialize(stored));
}

/** Parses and plans every rule now (for tests and warm-up); returns those that fail to compile. */
export function compileRules(schema: Schema): { rule: string; error: string }[] {
  prepare(schema);
  const failed: { rule: string; error: string }[] = [];
  walkSchema(schema, (rules) => {
    for (const r of rules) {
      const entry = compile(r.rule);
      if (entry instanceof Error) failed.push({ rule: r.rule, error: entry.message });
    }
  });
  return failed;
}

function walkSchema(schema: Schema, visit: (rules: Rule[]) => void): void {
  const rules = schema['x-kubernetes-validations'] as Rule[] | undefined;
  if (rules) visit(rules);
  for (const child of Object.values((schema.properties as Record<string, Schema> | undefined) ?? {})) walkSchema(child, visit);
  if (schema.items && typeof schema.items === 'object') walkSchema(schema.items as Schema, visit);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') walkSchema(schema.additionalProperties as Schema, visit);
}

const reserved = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** A property name as CEL rules see it (k8s.io/apiserver/pkg/cel/escaping.go). */
export function escapeProperty(name: string): string {
  if (reserved.has(name)) return `__${name}__`;
  return name.replaceAll('__', '__underscores__').replaceAll('.', '__dot__').replaceAll('-', '__dash__').replaceAll('/', '__slash__');
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The CEL value of a JSON value under its schema; objects and lists are converted once each. */
function celValue(schema: Schema | undefined, value: unknown, cache: WeakMap<object, CelInput>): CelInput {
  if (typeof value === 'number') {
    const integral = schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] === true || (schema?.type === undefined && Number.isInteger(value));
    return integral && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (value === null || typeof value !== 'object') return value as CelInput;
  const hit = cache.get(value);
  if (hit !== undefined) return hit;
  let out: CelInput;
  if (Array.isArray(value)) {
    out = value.map((item) => celValue(schema?.items as Schema | undefined, item, cache));
  } else {
    const properties = schema?.properties as Record<string, Schema> | undefined;
    const extra = isObject(schema?.additionalProperties) ? (schema.additionalProperties as Schema) : undefined;
    const map = new Map<string, CelInput>();
    for (const [key, v] of Object.entries(value)) {
      if (properties?.[key]) map.set(escapeProperty(key), celValue(properties[key], v, cache));
      else map.set(key, celValue(extra, v, cache));
    }
    out = map;
  }
  cache.set(value, out);
  return out;
}

export const evaluationFailed = 'the rule could not be evaluated';
const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Schema nodes with a rule at or beneath them; subtrees without one are not visited. */
const ruleBearing = new WeakMap<Schema, boolean>();

function hasRules(node: Schema): boolean {
  let known = ruleBearing.get(node);
  if (known === undefined) {
    ruleBearing.set(node, false); // a recursive schema ends here
    let found = false;
    walkChildren(node, (sub) => {
      if (hasRules(sub)) found = true;
    });
    known = found || Array.isArray(node['x-kubernetes-validations']);
    ruleBearing.set(node, known);
  }
  return known;
}

function walkChildren(node: Schema, visit: (sub: Schema) => void): void {
  for (const sub of Object.values((node.properties as Record<string, Schema> | undefined) ?? {})) visit(sub);
  if (isObject(node.items)) visit(node.items as Schema);
  if (isObject(node.additionalProperties)) visit(node.additionalProperties as Schema);
}

/**
 * Rules are pure functions of `self`: a rule-bearing node's findings (paths relative to
 * it) are kept per value for the run, so a value seen before (repeated matches, filters,
 * backendRefs across manifests made from one template) is not evaluated again.
 */
const seen = new WeakMap<Schema, Map<string, CelFinding[]>>();
/** Stands for the path of the node a memoised finding was found under. */
const here = '\u0000';

function placed(relative: string, base: string): string {
  if (relative === here) return base || '(document)';
  if (base === '' && relative.startsWith(`${here}.`)) return relative.slice(2);
  return base + relative.slice(1);
}

/** A path below a base path: property names and list indexes, joined only when a finding needs them. */
type Segments = (string | number)[];

function pathOf(base: string, segments: Segments): string {
  let path = base;
  for (const s of segments) path = typeof s === 'number' ? `${path}[${s}]` : child(path, s);
  return path;
}

/** Rules that compare with the stored object (oldSelf): not evaluated offline. */
const transitionRules = new Map<string, boolean>();
const isTransitionRule = (rule: string) => transitionRules.get(rule) ?? transitionRules.set(rule, /\boldSelf\b/.test(rule)).get(rule)!;

/** One evaluateRules call: the CEL values converted so far (objects and lists are converted once each). */
interface Evaluation {
  cache?: WeakMap<object, CelInput>;
}

/** Every failed CEL rule of the schema on value (already defaulted), with the rule's path and the CRD's message. */
export function evaluateRules(schema: Schema, value: unknown): CelFinding[] {
  prepare(schema);
  const out: CelFinding[] = [];
  visit(schema, value, '', [], out, {});
  return out;
}

function visit(node: Schema, v: unknown, base: string, segments: Segments, into: CelFinding[], evaluation: Evaluation): void {
  if (v === undefined || v === null || !hasRules(node)) return;
  const rules = node['x-kubernetes-validations'] as Rule[] | undefined;
  if (!rules) {
    descend(node, v, base, segments, into, evaluation);
    return;
  }
  let byValue = seen.get(node);
  if (!byValue) seen.set(node, (byValue = new Map()));
  const key = JSON.stringify(v);
  let found = byValue.get(key);
  if (!found) {
    found = [];
    checkRules(node, rules, v, found, evaluation);
    descend(node, v, here, [], found, evaluation);
    byValue.set(key, found);
  }
  if (found.length === 0) return;
  const path = pathOf(base, segments);
  for (const f of found) into.push({ ...f, path: placed(f.path, path) });
}

function checkRules(node: Schema, rules: Rule[], v: unknown, into: CelFinding[], evaluation: Evaluation): void {
  for (const r of rules) {
    if (isTransitionRule(r.rule)) continue;
    const where = r.fieldPath ? `${here}${r.fieldPath.startsWith('[') ? '' : '.'}${r.fieldPath.replace(/^\./, '')}` : here;
    const evaluate = compile(r.rule);
    const result = evaluate instanceof Error ? evaluate : evaluate({ self: celValue(node, v, (evaluation.cache ??= new WeakMap())) });
    if (result === true) continue;
    if (evaluate instanceof Error || isCelError(result)) {
      // The apiserver rejects the object too when a rule cannot run on it (e.g. duration('5 seconds')).
      into.push({ path: where, message: `${r.message ?? `failed rule: ${r.rule}`} (${evaluationFailed}: ${(result as Error).message})`, rule: r.rule });
    } else {
      into.push({ path: where, message: r.message ?? `failed rule: ${r.rule}`, rule: r.rule });
    }
  }
}

function descend(node: Schema, v: unknown, base: string, segments: Segments, into: CelFinding[], evaluation: Evaluation): void {
  if (Array.isArray(v)) {
    const items = node.items as Schema | undefined;
    if (!items) return;
    for (let i = 0; i < v.length; i++) {
      segments.push(i);
      visit(items, v[i], base, segments, into, evaluation);
      segments.pop();
    }
    return;
  }
  if (!isObject(v)) return;
  const properties = node.properties as Record<string, Schema> | undefined;
  const extra = isObject(node.additionalProperties) ? (node.additionalProperties as Schema) : undefined;
  for (const key of Object.keys(v)) {
    const sub = properties?.[key] ?? extra;
    if (!sub) continue;
    segments.push(key);
    visit(sub, v[key], base, segments, into, evaluation);
    segments.pop();
  }
}
