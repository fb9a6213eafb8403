// The openAPIV3 schemas of the real routing CRDs in manifests/crds/, compiled with ajv
// to check manifests offline the way the apiserver's structural schema does:
// unknown fields are errors (as with fieldValidation=Strict), list-type set/map items
// are unique. CEL rules (x-kubernetes-validations) are not evaluated here; lint-rules
// re-implements the ones that matter for routing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../pipelines/project-root.js';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

/** The CRD file of each kind, by API group. */
const crdFiles = {
  'networking.istio.io': {
    VirtualService: 'istio-virtualservices.yaml',
    DestinationRule: 'istio-destinationrules.yaml',
    Gateway: 'istio-gateways.yaml',
  },
  'gateway.networking.k8s.io': {
    HTTPRoute: 'gateway-api-httproutes.yaml',
    Gateway: 'gateway-api-gateways.yaml',
    GatewayClass: 'gateway-api-gatewayclasses.yaml',
  },
} as const satisfies Record<string, Record<string, string>>;
export type RoutingGroup = keyof typeof crdFiles;
export const routingGroups = Object.keys(crdFiles) as RoutingGroup[];

export function kindsOf(group: RoutingGroup): string[] {
  return Object.keys(crdFiles[group]);
}

type Schema = { [key: string]: unknown };
interface Crd {
  spec: { versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[] };
}

const loaded = new Map<string, Map<string, Schema>>();

/** The served versions of a kind with their schemas, read on first use (the files are large). */
export function versionsOf(group: RoutingGroup, kind: string): Map<string, Schema> | undefined {
  const file = (crdFiles[group] as Record<string, string>)[kind];
  if (!file) return undefined;
  let versions = loaded.get(file);
  if (!versions) {
    const crd = parse(readFileSync(join(projectRoot, 'manifests', 'crds', file), 'utf8')) as Crd;
    versions = new Map();
    for (const v of crd.spec.versions) {
      if (v.served && v.schema?.openAPIV3Schema) versions.set(v.name, v.schema.openAPIV3Schema);
    }
    loaded.set(file, versions);
  }
  return versions;
}

/** A copy where objects with declared properties reject others, as the apiserver does. */
function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description') continue;
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, structural(v)])) : structural(value);
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  return out;
}

let ajv: Ajv | undefined;
function compiler(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateSchema: false });
  const int = (bits: number) => (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** (bits - 1);
  ajv.addFormat('int32', { type: 'number', validate: int(32) });
  ajv.addFormat('int64', { type: 'number', validate: int(64) });
  for (const format of ['double', 'byte', 'date-time', 'ipv4', 'ipv6']) ajv.addFormat(format, true);
  for (const keyword of ['x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields']) {
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
    // The apiserver supplies these for every kind; CRD schemas often omit them.
    const implicit = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };
    const root = { ...schema, properties: { ...implicit, ...(schema.properties as Schema | undefined) } };
    validate = compiler().compile(structural(root) as Schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export type SchemaError = ErrorObject;
