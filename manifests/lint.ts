// Offline lint of hand-written routing manifests (multi-document YAML): each Istio or
// Gateway API document is checked against its real CRD schema and the semantic rules.
// Documents of other groups (Deployments, Services...) are skipped and noted.
import jsYaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { evaluateRules, evaluationFailed } from './crd-cel.js';
import { withDefaults } from './crd-defaults.js';
import { kindsOf, routingGroups, validatorFor, versionsOf, type RoutingGroup, type SchemaError } from './crd-schemas.js';
import { saveCompiledCode } from './code-cache.js';
import { positionsIn } from './lint-positions.js';
import { destinationRuleRules, httpRouteRules, virtualServiceRules, type RuleFinding } from './lint-rules.js';
import { closest, didYouMean } from './suggest.js';

export interface LintInput {
  file: string;
  text: string;
}

export interface Finding {
  file: string;
  /** 1-based document number in the file. */
  doc: number;
  /** 1-based line and column of the field (or of its nearest enclosing field when it is missing). */
  line: number;
  column: number;
  /** Kind/name, or ? when unknown. */
  object: string;
  path: string;
  message: string;
}

export interface LintResult {
  findings: Finding[];
  /** Documents not checked and why. */
  skipped: string[];
  /** How many documents the files hold, and the kinds checked against a shipped CRD (sorted). */
  documents: number;
  checkedKinds: string[];
}

/** A finding by document, object and field path (as the tests read them). */
export function formatFinding(f: Finding): string {
  return `${f.file}: doc ${f.doc} (${f.object}): ${f.path}: ${f.message}`;
}

/** A finding as compilers print them: `file:line:column: Kind/name field: message`. */
export function formatFindingAt(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.object === '?' ? '' : `${f.object} `}${f.path}: ${f.message}`;
}

/** A finding before its position in the file is known. */
type Unplaced = Omit<Finding, 'line' | 'column'> & Partial<Pick<Finding, 'line' | 'column'>>;

type Obj = Record<string, unknown>;
interface Doc {
  file: string;
  doc: number;
  object: string;
  value: Obj;
}

function pathOf(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  let out = '';
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  return out || '(document)';
}

/** Why no branch of a oneOf/anyOf matched, from its branches' format and pattern errors. */
function branchReasons(e: SchemaError, all: readonly SchemaError[]): string {
  const inside = all.filter((b) => b.schemaPath.startsWith(`${e.schemaPath}/`) && (b.keyword === 'format' || b.keyword === 'pattern'));
  const byField = new Map<string, { data: unknown; rules: string[] }>();
  for (const b of inside) {
    const entry = byField.get(b.instancePath) ?? { data: b.data, rules: [] };
    const rule = b.keyword === 'format' ? `format "${String(b.params.format)}"` : `pattern ${String(b.params.pattern)}`;
    if (!entry.rules.includes(rule)) entry.rules.push(rule);
    byField.set(b.instancePath, entry);
  }
  return [...byField].map(([at, { data, rules }]) => `${pathOf(at)}: ${JSON.stringify(data)} must match ${rules.join(' or ')}`).join('; ');
}

function schemaFinding(e: SchemaError, all: readonly SchemaError[] = []): RuleFinding | undefined {
  const path = pathOf(e.instancePath);
  // Branch errors of a oneOf are summarised by the oneOf error itself.
  if (/\/(oneOf|anyOf)\/\d+\//.test(e.schemaPath)) return undefined;
  const join = (p: string, key: string) => (p === '(document)' ? key : `${p}.${key}`);
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema?.properties as Obj | undefined) ?? {});
      return { path: join(path, field), message: `unknown field; ${didYouMean(field, known)}` };
    }
    case 'required':
      return { path: join(path, String(e.params.missingProperty)), message: 'missing (required)' };
    case 'oneOf': {
      const choices = ((e.parentSchema?.oneOf as Obj[] | undefined) ?? []).flatMap((b) => (b.required as string[] | undefined) ?? []);
      if (choices.length > 0) return { path, message: `set at most one of ${choices.join(', ')}` };
      const why = e.params.passingSchemas === null ? branchReasons(e, all) : '';
      return { path, message: why ? `matches none of the allowed forms (${why})` : 'matches none or several of the allowed forms' };
    }
    case 'anyOf':
      return { path, message: `must be one of the allowed forms (${e.message ?? ''})` };
    case 'enum':
      return { path, message: `${JSON.stringify(e.data)} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}` };
    case 'pattern':
    case 'format':
      return { path, message: `${JSON.stringify(e.data)} ${e.message ?? 'is invalid'}` };
    default: {
      const scalar = e.data === null || typeof e.data !== 'object';
      return { path, message: `${scalar ? `${JSON.stringify(e.data)} ` : ''}${e.message ?? e.keyword}` };
    }
  }
}

/**
 * The documents' values by js-yaml (several times faster on plain manifests), or
 * undefined to take the careful parser: anchors, aliases and merge keys (alias bombs),
 * and any error (duplicate keys, syntax), which `yaml` reports with line and column.
 */
function plainValues(text: string): unknown[] | undefined {
  if (/(^|[\s[{,])[&*][^\s,\]}]/.test(text) || /(^|\s)<<\s*:/.test(text)) return undefined;
  try {
    return jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA });
  } catch {
    return undefined;
  }
}

function toDoc(input: LintInput, doc: number, value: unknown, findings: Unplaced[]): Doc | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    findings.push({ file: input.file, doc, object: '?', path: '(document)', message: 'must be a mapping with apiVersion, kind, metadata and spec' });
    return undefined;
  }
  const v = value as Obj;
  const meta = (v.metadata ?? {}) as Obj;
  return { file: input.file, doc, object: `${String(v.kind ?? '?')}/${String(meta.name ?? '?')}`, value: v };
}

function parseDocs(input: LintInput, findings: Unplaced[]): Doc[] {
  const plain = plainValues(input.text);
  if (plain) return plain.flatMap((value, i) => toDoc(input, i + 1, value, findings) ?? []);
  const docs: Doc[] = [];
  parseAllDocuments(input.text, { uniqueKeys: true, prettyErrors: true }).forEach((document, i) => {
    const doc = i + 1;
    const at = (path: string, message: string, line?: number, column?: number) => findings.push({ file: input.file, doc, object: '?', path, message, line, column });
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        const pos = error.linePos?.[0];
        at(pos ? `line ${pos.line}, column ${pos.col}` : 'YAML', error.message.split('\n')[0]!, pos?.line, pos?.col);
      }
      return;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      at('YAML', `${(error as Error).message}; write the values out instead of nesting aliases`);
      return;
    }
    const d = toDoc(input, doc, value, findings);
    if (d) docs.push(d);
  });
  return docs;
}

/** Kinds of the routing groups without a shipped CRD, by file: reported once per file. */
type Unchecked = Map<string, Map<string, number[]>>;

/** A kind that differs from a shipped one by case or one letter is a typo; anything else may be real. */
function typoOf(kind: string, group: string): string | undefined {
  const guess = closest(kind, kindsOf(group));
  if (!guess) return undefined;
  const a = kind.toLowerCase();
  const b = guess.toLowerCase();
  const oneEdit = a === b || (Math.abs(a.length - b.length) <= 1 && closest(a, [b]) !== undefined && [...a].filter((c, i) => c !== b[i]).length <= 1) || a === `${b}s`;
  return oneEdit ? guess : undefined;
}

interface Run {
  findings: Unplaced[];
  skipped: string[];
  checkedKinds: Set<string>;
}

function check(d: Doc, subsetsOf: (host: string) => string[] | undefined, result: Run, unchecked: Unchecked): void {
  const apiVersion = typeof d.value.apiVersion === 'string' ? d.value.apiVersion : '';
  const kind = typeof d.value.kind === 'string' ? d.value.kind : '';
  const push = (f: RuleFinding) => result.findings.push({ file: d.file, doc: d.doc, object: d.object, ...f });
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  if (!routingGroups.includes(group as RoutingGroup)) {
    if (!apiVersion || !kind) push({ path: apiVersion ? 'kind' : 'apiVersion', message: 'missing (required)' });
    else result.skipped.push(`${d.file}: doc ${d.doc} (${d.object}): skipped, ${apiVersion} is not a routing API`);
    return;
  }
  const versions = versionsOf(group!, kind);
  if (!versions) {
    const guess = typoOf(kind, group!);
    if (guess) {
      push({ path: 'kind', message: `unknown kind ${kind} in ${group}; did you mean ${guess}?` });
    } else {
      const byKind = unchecked.get(d.file) ?? new Map<string, number[]>();
      unchecked.set(d.file, byKind.set(`${kind} (${apiVersion})`, [...(byKind.get(`${kind} (${apiVersion})`) ?? []), d.doc]));
    }
    return;
  }
  const schema = versions.get(version!);
  if (!schema) {
    push({ path: 'apiVersion', message: `${kind} is not served in ${apiVersion}; use ${group}/${[...versions.keys()].join(` or ${group}/`)}` });
    return;
  }
  const validate = validatorFor(schema);
  result.checkedKinds.add(kind);
  const meta = d.value.metadata as Obj | undefined;
  if (typeof meta?.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(meta.name)) {
    push({ path: 'metadata.name', message: meta?.name === undefined ? 'missing (required)' : `${JSON.stringify(meta.name)} must be a DNS-1123 name` });
  }
  const semantic =
    kind === 'VirtualService'
      ? virtualServiceRules((d.value.spec ?? {}) as Obj, subsetsOf)
      : kind === 'DestinationRule'
        ? destinationRuleRules((d.value.spec ?? {}) as Obj)
        : kind === 'HTTPRoute'
          ? httpRouteRules((d.value.spec ?? {}) as Obj)
          : [];
  // A semantic finding explains its object better than the schema errors beneath it.
  const explained = semantic.filter((f) => f.explains).map((f) => f.path);
  const under = (path: string, roots: string[]) => roots.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
  // The apiserver defaults fields before it validates them.
  const defaulted = withDefaults(schema, d.value);
  const schemaFindings: RuleFinding[] = [];
  if (!validate(defaulted)) {
    for (const error of validate.errors ?? []) {
      const finding = schemaFinding(error, validate.errors ?? []);
      if (finding && !under(finding.path, explained)) schemaFindings.push(finding);
    }
  }
  schemaFindings.forEach(push);
  const invalid = schemaFindings.map((f) => f.path);
  for (const f of evaluateRules(schema, defaulted)) {
    // A rule that cannot run on a value the schema already rejects adds nothing.
    if (under(f.path, explained) || (f.message.includes(evaluationFailed) && invalid.some((p) => under(p, [f.path]) || under(f.path, [p])))) continue;
    push(f);
  }
  semantic.forEach(({ path, message }) => push({ path, message }));
}

/** Lints every document of every input; findings are in file and document order. */
export function lintManifests(inputs: readonly LintInput[]): LintResult {
  const run: Run = { findings: [], skipped: [], checkedKinds: new Set() };
  let documents = 0;
  const docs = inputs.flatMap((input) => {
    const before = run.findings.length;
    const parsed = parseDocs(input, run.findings);
    documents += parsed.length + new Set(run.findings.slice(before).map((f) => f.doc)).size;
    return parsed;
  });
  const subsets = new Map<string, string[]>();
  for (const d of docs) {
    const spec = d.value.spec as Obj | undefined;
    if (d.value.kind === 'DestinationRule' && typeof spec?.host === 'string' && Array.isArray(spec.subsets)) {
      subsets.set(spec.host, spec.subsets.map((s) => String((s as Obj)?.name)));
    }
  }
  const unchecked: Unchecked = new Map();
  for (const d of docs) check(d, (host) => subsets.get(host), run, unchecked);
  saveCompiledCode();
  for (const [file, byKind] of unchecked) {
    for (const [kind, numbers] of byKind) {
      run.skipped.push(`${file}: ${kind}: not checked by lint (no schema shipped); doc${numbers.length > 1 ? 's' : ''} ${numbers.join(', ')}`);
    }
  }
  const order = new Map(inputs.map((input, i) => [input.file, i]));
  run.findings.sort((a, b) => order.get(a.file)! - order.get(b.file)! || a.doc - b.doc);
  return { findings: placed(inputs, run.findings), skipped: run.skipped, documents, checkedKinds: [...run.checkedKinds].sort() };
}

/** The findings with the line and column of their fields, from a careful parse of the files that have findings. */
function placed(inputs: readonly LintInput[], findings: readonly Unplaced[]): Finding[] {
  const positions = new Map<string, ReturnType<typeof positionsIn>>();
  return findings.map((f) => {
    if (f.line !== undefined && f.column !== undefined) return { ...f, line: f.line, column: f.column };
    let at = positions.get(f.file);
    if (!at) {
      at = positionsIn(inputs.find((input) => input.file === f.file)?.text ?? '');
      positions.set(f.file, at);
    }
    return { ...f, ...at(f.doc, f.path) };
  });
}
