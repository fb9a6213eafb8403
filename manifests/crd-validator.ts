// A CRD schema compiled with ajv the way the apiserver's structural schema validates:
// unknown fields are errors (as with fieldValidation=Strict), list-type set/map items
// are unique, formats are checked as kube-openapi checks them. Compiling a large CRD
// takes seconds, so the generated code is cached beside the parsed schemas, under the
// hash of the structural schema, and later runs only load it, with V8's compiled form
// of it (parsing and compiling the code of a large CRD costs more than validating
// hundreds of manifests). ajv itself is loaded only to generate code that is not cached.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv, ErrorObject, FormatDefinition, KeywordCxt, ValidateFunction } from 'ajv';
import ucs2length from 'ajv/dist/runtime/ucs2length.js';
import { numberFormats, stringFormats } from './crd-formats.js';
import { compiledFunction, lintCacheDir, readCode, writeAtomically } from './code-cache.js';
import { shippedSchemaKey, type Schema } from './crd-schemas.js';

export type SchemaError = ErrorObject;

/** Bumped whenever the generated code's shape changes (options, keywords, formats, structural()). */
const codeVersion = 3;

const branchKeys = new Set(['oneOf', 'anyOf', 'allOf', 'not']);

/**
 * A copy where objects with declared properties reject others, as the apiserver does.
 * Inside oneOf/anyOf/allOf/not the branches only constrain values the main schema
 * declares (structural schemas allow nothing else there), so they never reject fields.
 */
export function structural(node: unknown, inBranch = false): unknown {
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

/** True when two items of a list-type=map list have the same keys. */
function listMapDuplicate(items: unknown[], keys: string[]): boolean {
  const seen = new Set(items.map((item) => JSON.stringify(keys.map((k) => (item as Schema | null)?.[k]))));
  return seen.size !== items.length;
}

/** The format definitions, the same objects for ajv and for the cached code that names them. */
const formats: Record<string, FormatDefinition<string> | FormatDefinition<number>> = {
  ...Object.fromEntries(Object.entries(stringFormats).map(([name, validate]) => [name, { type: 'string' as const, validate }])),
  ...Object.fromEntries(Object.entries(numberFormats).map(([name, validate]) => [name, { type: 'number' as const, validate }])),
};

const require = createRequire(import.meta.url);
/**
 * The bundle carries ajv beside it as two files (scripts/build-cli.mjs): the compiler, and the
 * small runtime the generated code requires, each mapping ajv's module ids to their exports.
 * From the sources, ajv's own package is required.
 */
declare const SHIPLINE_AJV_MODULE: string | undefined;
/**
 * The runtime helper the shipped CRDs' generated code requires (string lengths), bundled: the
 * runtime file holds every helper and costs a few milliseconds more to load at each start.
 */
const bundledRuntime: Record<string, unknown> = { 'ajv/dist/runtime/ucs2length': ucs2length };
function ajvRequire(id: string): unknown {
  if (typeof SHIPLINE_AJV_MODULE !== 'string') return require(id);
  if (!id.startsWith('ajv')) return require(id);
  if (bundledRuntime[id]) return bundledRuntime[id];
  const file = id.startsWith('ajv/dist/runtime/') ? SHIPLINE_AJV_MODULE.replace(/\.cjs$/, '-runtime.cjs') : SHIPLINE_AJV_MODULE;
  return (require(file) as Record<string, unknown>)[id.replace(/\.js$/, '')];
}

let ajv: Ajv | undefined;
function compiler(): Ajv {
  if (ajv) return ajv;
  const { _, Ajv: AjvClass } = ajvRequire('ajv') as typeof import('ajv');
  // The generated code names `formats` and `listMapDuplicate`; load() passes them in.
  ajv = new AjvClass({ allErrors: true, verbose: true, strict: false, validateSchema: false, code: { source: true, formats: _`formats` } });
  for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format);
  for (const keyword of ['x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource']) {
    ajv.addKeyword({ keyword });
  }
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-map-keys',
    type: 'array',
    schemaType: 'array',
    error: { message: 'has two items with the same key' },
    code(cxt: KeywordCxt) {
      cxt.fail(_`listMapDuplicate(${cxt.data}, ${cxt.schemaCode})`);
    },
  });
  return ajv;
}

function generate(shaped: Schema): string {
  const standalone = ajvRequire('ajv/dist/standalone/index.js') as { default: (ajv: Ajv, validate: ValidateFunction) => string };
  return standalone.default(compiler(), compiler().compile(shaped));
}

function load(code: string, file: string, key?: string): ValidateFunction {
  const module = { exports: {} as { default?: ValidateFunction } };
  // Code generated by ajv from the shipped CRDs (see validatorFor).
  compiledFunction(code, ['module', 'exports', 'require', 'formats', 'listMapDuplicate'], file, 'validator', key)(module, module.exports, ajvRequire, formats, listMapDuplicate);
  return (module.exports.default ?? module.exports) as ValidateFunction;
}

const compiled = new Map<Schema, ValidateFunction>();

export function validatorFor(schema: Schema): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate) return validate;
  // A shipped schema is named by its CRD file's hash (cheap); any other by its structural form's.
  const shipped = shippedSchemaKey(schema);
  const key = shipped ? `${shipped}-v${codeVersion}` : createHash('sha256').update(`${codeVersion}\n${JSON.stringify(structural(schema))}`).digest('hex').slice(0, 24);
  const file = join(lintCacheDir(), `validator-${key}.cjs`);
  let stored: { code: string; key?: string };
  try {
    stored = readCode(file);
  } catch {
    stored = { code: generate(structural(schema) as Schema) };
    writeAtomically(file, stored.code);
  }
  validate = load(stored.code, file, stored.key);
  compiled.set(schema, validate);
  return validate;
}
