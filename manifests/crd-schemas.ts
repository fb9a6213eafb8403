// The openAPIV3 schemas of the real routing CRDs in manifests/crds/, compiled with ajv
// to check manifests offline the way the apiserver's structural schema does:
// unknown fields are errors (as with fieldValidation=Strict), list-type set/map items
// are unique, formats are checked as kube-openapi checks them. Defaults are applied
// first (crd-defaults.ts) and CEL rules are evaluated after (crd-cel.ts).
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../pipelines/project-root.js';
import { lintCacheDir, writeAtomically } from './code-cache.js';
import { parse } from 'yaml';

/**
 * The API groups lint speaks for: a kind of these groups is checked against its shipped
 * CRD, or reported as not checked; it is never skipped silently.
 */
export const routingGroups = ['networking.istio.io', 'gateway.networking.k8s.io', 'gateway.networking.x-k8s.io'] as const;
export type RoutingGroup = (typeof routingGroups)[number];

const crdDir = join(projectRoot, 'manifests', 'crds');
let index: Map<string, Map<string, string>> | undefined;

/** The first bytes of a file: a CRD names its group and kind near the top. */
function head(path: string, bytes = 8192): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** group → kind → CRD file, read from the files' headers (not parsed whole: they are large). */
function crdIndex(): Map<string, Map<string, string>> {
  if (index) return index;
  index = new Map();
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort()) {
    const headerOf = (text: string) => ({ group: /^ {2}group: (\S+)$/m.exec(text)?.[1], kind: /^ {4}kind: (\S+)$/m.exec(text)?.[1] });
    let { group, kind } = headerOf(head(join(crdDir, file)));
    if (!group || !kind) ({ group, kind } = headerOf(readFileSync(join(crdDir, file), 'utf8')));
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
  spec: { versions: { name: string; served: boolean; deprecationWarning?: string; schema?: { openAPIV3Schema?: Schema } }[] };
}

/** A version the CRD still describes but no longer serves (earlier or experimental releases did). */
export interface RetiredVersion {
  schema: Schema;
  deprecationWarning?: string;
}

interface CrdSchemas {
  hash: string;
  schemas: Record<string, Schema>;
  retired: Record<string, RetiredVersion>;
}

const loaded = new Map<string, Map<string, Schema>>();
const retiredByFile = new Map<string, Map<string, RetiredVersion>>();
const schemaKeys = new WeakMap<Schema, string>();

/** A name for what is derived from a shipped schema (its CRD file, the file's content hash and the version), for caches. */
export function shippedSchemaKey(schema: Schema): string | undefined {
  return schemaKeys.get(schema);
}

/** The served versions of a kind with their schemas, read on first use; undefined when no CRD is shipped. */
export function versionsOf(group: string, kind: string): Map<string, Schema> | undefined {
  const file = crdIndex().get(group)?.get(kind);
  if (!file) return undefined;
  let versions = loaded.get(file);
  if (!versions) {
    const { hash, schemas, retired } = servedSchemas(file);
    versions = new Map(Object.entries(schemas).map(([name, schema]) => [name, withImplicitFields(schema)]));
    for (const [name, schema] of versions) schemaKeys.set(schema, `${file.replace(/\.yaml$/, '')}-${hash}-${name}`);
    loaded.set(file, versions);
    const old = new Map(Object.entries(retired).map(([name, r]) => [name, { ...r, schema: withImplicitFields(r.schema) }]));
    for (const [name, r] of old) schemaKeys.set(r.schema, `${file.replace(/\.yaml$/, '')}-${hash}-${name}-retired`);
    retiredByFile.set(file, old);
  }
  return versions;
}

/** A version of a kind that the shipped CRD describes but does not serve, or undefined. */
export function retiredVersionOf(group: string, kind: string, version: string): RetiredVersion | undefined {
  const file = crdIndex().get(group)?.get(kind);
  if (!file || !versionsOf(group, kind)) return undefined;
  return retiredByFile.get(file)?.get(version);
}

/**
 * The content hash of a CRD file, kept in the cache under the file's size and modification
 * time: reading and hashing a large CRD costs milliseconds at every start, a stat far less.
 * The text comes along when the file had to be read.
 */
function crdHash(file: string): { hash: string; text?: string } {
  const path = join(crdDir, file);
  const { size, mtimeMs } = statSync(path);
  const memo = join(schemaCacheDir(), `${file.replace(/\.yaml$/, '')}-${size}-${mtimeMs}.sha256`);
  try {
    const hash = readFileSync(memo, 'utf8');
    if (/^[0-9a-f]{16}$/.test(hash)) return { hash };
  } catch {
    // Not hashed yet at this size and time.
  }
  const text = readFileSync(path, 'utf8');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  writeAtomically(memo, hash);
  return { hash, text };
}

/**
 * The served versions' schemas of a CRD file (and those of the versions it keeps unserved). Parsing a large CRD's YAML takes a
 * second; its JSON, cached under the file's content hash, a millisecond.
 */
function servedSchemas(file: string): CrdSchemas {
  const { hash, text } = crdHash(file);
  const cached = join(schemaCacheDir(), `${file.replace(/\.yaml$/, '')}-${hash}-v2.json`);
  try {
    return { hash, ...(JSON.parse(readFileSync(cached, 'utf8')) as Omit<CrdSchemas, 'hash'>) };
  } catch {
    // Not cached yet (or unreadable): parse the YAML.
  }
  const crd = parse(text ?? readFileSync(join(crdDir, file), 'utf8')) as Crd;
  const schemas: Record<string, Schema> = {};
  const retired: Record<string, RetiredVersion> = {};
  for (const v of crd.spec.versions) {
    if (!v.schema?.openAPIV3Schema) continue;
    if (v.served) schemas[v.name] = v.schema.openAPIV3Schema;
    else retired[v.name] = { schema: v.schema.openAPIV3Schema, deprecationWarning: v.deprecationWarning };
  }
  writeAtomically(cached, JSON.stringify({ schemas, retired }));
  return { hash, schemas, retired };
}

/** Where parsed CRD schemas are cached: $SHIPLINE_CACHE/lint, else ~/.cache/shipline/lint. */
export const schemaCacheDir = lintCacheDir;

/** The apiserver supplies apiVersion, kind and metadata for every kind; CRD schemas often omit them. */
function withImplicitFields(schema: Schema): Schema {
  const implicit = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
  return { ...schema, properties: { ...implicit, ...(schema.properties as Schema | undefined) } };
}

