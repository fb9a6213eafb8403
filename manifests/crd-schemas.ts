// The openAPIV3 schemas of the real routing CRDs in manifests/crds/, compiled with ajv
// to check manifests offline the way the apiserver's structural schema does:
// unknown fields are errors (as with fieldValidation=Strict), list-type set/map items
// are unique, formats are checked as kube-openapi checks them. Defaults are applied
// first (crd-defaults.ts) and CEL rules are evaluated after (crd-cel.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../pipelines/project-root.js';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { numberFormats, stringFormats } from './crd-formats.js';

/**
 * The API groups lint speaks for: a kind of these groups is checked against its shipped
 * CRD, or reported as not checked; it is never skipped silently.
 */
export const routingGroups = ['networking.istio.io', 'gateway.networking.k8s.io', 'gateway.networking.x-k8s.io'] as const;
export type RoutingGroup = (typeof routingGroups)[number];

const crdDir = join(projectRoot, 'manifests', 'crds');
let index: Map<string, Map<string, string>> | undefined;

/** group → kind → CRD file, read from the files' headers (not parsed whole: they are large). */
function crdIndex(): Map<string, Map<string, string>> {
  if (index) return index;
  index = new Map();
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort()) {
    const text = readFileSync(join(crdDir, file), 'utf8');
    const group = /^ {2}group: (\S+)$/m.exec(text)?.[1];
    const kind = /^ {4}kind: (\S+)$/m.exec(text)?.[1];
    if (!group || !kind) continue;
    if (!index.has(group)) index.set(group, new Map());
    index.get(group)!.set(kind, file);
  }
  return index;
}

/** The kinds of a group that have a shipped CRD. */
export function kindsOf(group: string): string[] {
  return [...(crdIndex().get(group)?.keys() ?? [])];
}

export type Schema = { [key: string]: unknown };
interface Crd {
  spec: { versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[] };
}

const loaded = new Map<string, Map<string, Schema>>();

/** The served versions of a kind with their schemas, read on first use; undefined when no CRD is shipped. */
export function versionsOf(group: string, kind: string): Map<string, Schema> | undefined {
  const file = crdIndex().get(group)?.get(kind);
  if (!file) return undefined;
  let versions = loaded.get(file);
  if (!versions) {
    const crd = parse(readFileSync(join(crdDir, file), 'utf8')) as Crd;
    versions = new Map();
    for (const v of crd.spec.versions) {
      if (v.served && v.schema?.openAPIV3Schema) versions.set(v.name, withImplicitFields(v.schema.openAPIV3Schema));
    }
    loaded.set(file, versions);
  }
  return versions;
}

/** The apiserver supplies apiVersion, kind and metadata for every kind; CRD schemas often omit them. */
function withImplicitFields(schema: Schema): Schema {
  const implicit = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
  return { ...schema, properties: { ...implicit, ...(schema.properties as Schema | undefined) } };
}

const branchKeys = new Set(['oneOf', 'anyOf', 'allOf', 'not']);

/**
 * A copy where objects with declared properties reject others, as the apiserver does.
 * Inside oneOf/anyOf/allOf/not the branches only constrain values the main schema
 * declares (structural schemas allow nothing else there), so they never reject fields.
 */
function structural(node: unknown, inBranch = false): unknown {
  if (Array.isArray(node)) return node.map((n) => structural(n, inBranch));
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' || key === 'default' || key === 'x-kubernetes-validations') continue;
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, structural(v, inBranch)]));
    else out[key] = structural(value, inBranch || branchKeys.has(key));
  }
  if (!inBranch && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  return out;
}

let ajv: Ajv | undefined;
function compiler(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateSchema: false });
  for (const [format, validate] of Object.entries(numberFormats)) ajv.addFormat(format, { type: 'number', validate });
  for (const [format, validate] of Object.entries(stringFormats)) ajv.addFormat(format, { type: 'string', validate });
  for (const keyword of ['x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource']) {
    ajv.addKeyword({ keyword });
  }
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-map-keys',
    type: 'array',
    error: { message: 'has two items with the same key' },
    validate: (keys: string[], items: unknown[]) => {
      const seen = new Set(items.map((item) => JSON.stringify(keys.map((k) => (item as Schema)?.[k]))));
      return seen.size === items.length;
    },
  });
  return ajv;
}

const compiled = new Map<Schema, ValidateFunction>();

export function validatorFor(schema: Schema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = compiler().compile(structural(schema) as Schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export type SchemaError = ErrorObject;
