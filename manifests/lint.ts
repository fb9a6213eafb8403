// Offline lint of hand-written routing manifests (multi-document YAML): each Istio or
// Gateway API document is checked against its real CRD schema and the semantic rules.
// Documents of other groups (Deployments, Services...) are skipped and noted.
import { evaluateRules, evaluationFailed } from './crd-cel.js';
import { withDefaults } from './crd-defaults.js';
import { bundledGatewayApi, releasesServing } from './api-version-history.js';
import { kindsOf, retiredVersionOf, routingGroups, versionsOf, type RoutingGroup, type Schema } from './crd-schemas.js';
import { validatorFor } from './crd-validator.js';
import { saveCompiledCode } from './code-cache.js';
import { parseDocs, type Doc } from './lint-parse.js';
import { positionsIn } from './lint-positions.js';
import { destinationRuleRules, httpRouteRules, virtualServiceRules } from './lint-rules.js';
import type { RuleFinding } from './lint-types.js';
import { schemaFinding } from './lint-schema-findings.js';
import { addSubsets, subsetsOfDocs } from './lint-subsets.js';
import type { Finding, LintInput, Unplaced } from './lint-types.js';
import { closest } from '../pipelines/model/suggest.js';

export type { Finding, LintInput, Severity } from './lint-types.js';
export type { Doc } from './lint-parse.js';
export { subsetsIn } from './lint-subsets.js';

export interface LintResult {
  findings: Finding[];
  /** Documents not checked and why. */
  skipped: string[];
  /** How many documents the files hold, and the kinds checked against a shipped CRD (sorted). */
  documents: number;
  checkedKinds: string[];
}

/** A finding by document, object and field path (as the tests read them). */
export function formatFinding(f: Pick<Finding, 'file' | 'doc' | 'item' | 'object' | 'path' | 'message'>): string {
  return `${f.file}: ${whereIn(f)} (${f.object}): ${f.path}: ${f.message}`;
}

/** `doc 1`, or `doc 1 item 3` for an item of a list. */
export function whereIn(f: Pick<Finding, 'doc' | 'item'>): string {
  return `doc ${f.doc}${f.item ? ` item ${f.item}` : ''}`;
}

/** A finding as compilers print them: `file:line:column: Kind/name field: message`. */
export function formatFindingAt(f: Finding): string {
  const warning = f.severity === 'warning' ? 'warning: ' : '';
  const object = f.object === '?' ? '' : `${f.object} `;
  const item = f.item ? `(${whereIn(f)}) ` : '';
  return `${f.file}:${f.line}:${f.column}: ${warning}${object}${item}${f.path}: ${f.message}`;
}

type Obj = Record<string, unknown>;

/** Kinds of the routing groups without a shipped CRD, by file: reported once per file. */
type Unchecked = Map<string, Map<string, string[]>>;

export interface LintOptions {
  /** API versions the bundled CRDs no longer serve are errors, not warnings. */
  strict?: boolean;
}

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
  options: LintOptions;
}

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The schema to check `version` of a kind against, with the warning when the bundled CRDs no longer serve it. */
function schemaFor(group: string, version: string, kind: string, versions: Map<string, Schema>, run: Run): { schema?: Schema; finding?: RuleFinding & Pick<Finding, 'severity' | 'retired'> } {
  const served = versions.get(version);
  if (served) return { schema: served };
  const use = `${group}/${[...versions.keys()].join(` or ${group}/`)}`;
  const retired = retiredVersionOf(group, kind, version);
  if (!retired) return { finding: { path: 'apiVersion', message: `${kind} is not served in ${group}/${version}`, fix: `write apiVersion: ${use}`, severity: 'error' } };
  const { releases, since } = releasesServing(`${group}/${version}`, kind);
  return {
    schema: retired.schema,
    finding: {
      path: 'apiVersion',
      message: `${kind} ${group}/${version} is not served by the bundled CRDs (${group.startsWith('gateway.') ? bundledGatewayApi : 'shipped'}); served by ${releases}`,
      fix: `write apiVersion: ${use} (served since ${since}), or keep ${version} if your cluster serves it (shipline lint --cluster asks it)`,
      severity: run.options.strict ? 'error' : 'warning',
      retired: { apiVersion: `${group}/${version}`, kind },
    },
  };
}

function check(d: Doc, subsetsOf: (host: string) => string[] | undefined, result: Run, unchecked: Unchecked): void {
  const apiVersion = typeof d.value.apiVersion === 'string' ? d.value.apiVersion : '';
  const kind = typeof d.value.kind === 'string' ? d.value.kind : '';
  const push = ({ explains: _explains, ...f }: RuleFinding & Partial<Pick<Finding, 'severity' | 'retired'>>) => result.findings.push({ file: d.file, doc: d.doc, item: d.item, object: d.object, severity: 'error', ...f });
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  if (!routingGroups.includes(group as RoutingGroup)) {
    if (!apiVersion || !kind) {
      const field = apiVersion ? 'kind' : 'apiVersion';
      push({ path: field, message: 'missing (required)', fix: `add ${field}, e.g. ${field === 'kind' ? 'kind: VirtualService' : 'apiVersion: networking.istio.io/v1'}` });
    } else result.skipped.push(`${d.file}: ${whereIn(d)} (${d.object}): skipped, ${apiVersion} is not a routing API`);
    return;
  }
  const versions = versionsOf(group!, kind);
  if (!versions) {
    const guess = typoOf(kind, group!);
    if (guess) {
      push({ path: 'kind', message: `unknown kind ${kind} in ${group}; did you mean ${guess}?`, fix: `write kind: ${guess}` });
    } else {
      const byKind = unchecked.get(d.file) ?? new Map<string, string[]>();
      unchecked.set(d.file, byKind.set(`${kind} (${apiVersion})`, [...(byKind.get(`${kind} (${apiVersion})`) ?? []), whereIn(d).slice(4)]));
    }
    return;
  }
  const { schema, finding: versionFinding } = schemaFor(group!, version!, kind, versions, result);
  if (versionFinding) push(versionFinding);
  if (!schema) return;
  const validate = validatorFor(schema);
  result.checkedKinds.add(kind);
  const meta = d.value.metadata as Obj | undefined;
  if (typeof meta?.name !== 'string' || !dns1123.test(meta.name)) {
    push(
      meta?.name === undefined
        ? { path: 'metadata.name', message: 'missing (required)', fix: 'add metadata.name, a DNS-1123 name such as my-route' }
        : { path: 'metadata.name', message: `${JSON.stringify(meta.name)} must be a DNS-1123 name`, fix: `write lowercase letters, digits, - and . only, e.g. ${String(meta.name).toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'my-route'}` },
    );
  }
  const spec = (d.value.spec ?? {}) as Obj;
  const semantic =
    kind === 'VirtualService' ? virtualServiceRules(spec, subsetsOf) : kind === 'DestinationRule' ? destinationRuleRules(spec) : kind === 'HTTPRoute' ? httpRouteRules(spec) : [];
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
    push({ path: f.path, message: f.message, fix: `change ${f.path || 'the object'} so that the CRD's rule holds: ${f.rule}` });
  }
  semantic.forEach(push);
}

/** What lint found in some of the inputs: merged in input order by mergeChunks, whichever thread checked them. */
export interface LintChunk {
  findings: Finding[];
  /** Documents not checked (other APIs), in document order. */
  skipped: string[];
  /** Routing kinds without a shipped CRD: [file, kind (apiVersion), document numbers]. */
  unchecked: [string, string, string[]][];
  documents: number;
  checkedKinds: string[];
}

/** The documents of some inputs, parsed once: checked by checkParsed after every thread has told its subsets. */
export interface ParsedInputs {
  inputs: readonly LintInput[];
  docs: Doc[];
  /** Documents the parser refused (syntax), as findings. */
  findings: Unplaced[];
  documents: number;
}

export function parseInputs(inputs: readonly LintInput[]): ParsedInputs {
  const findings: Unplaced[] = [];
  let documents = 0;
  const docs = inputs.flatMap((input) => {
    const parsed = parseInput(input, findings);
    documents += parsed.documents;
    return parsed.docs;
  });
  return { inputs, docs, findings, documents };
}

/** The objects of one input, and how many documents (or list items) it holds, readable or not. */
function parseInput(input: LintInput, findings: Unplaced[]): { docs: Doc[]; documents: number } {
  const before = findings.length;
  const docs = parseDocs(input, findings);
  const unreadable = findings.slice(before).map((f) => `${f.doc} ${f.item ?? ''}`);
  return { docs, documents: docs.length + new Set(unreadable).size };
}

/** The DestinationRule subsets of parsed inputs (merged in input order across threads: the last of a host wins). */
export function subsetsOfParsed(parsed: ParsedInputs): [string, string[]][] {
  return [...subsetsOfDocs(parsed.docs)];
}

/** Checks parsed inputs; subsets (of all inputs) default to those of these inputs. */
export function checkParsed(parsed: ParsedInputs, options: LintOptions = {}, subsets?: readonly [string, string[]][]): LintChunk {
  const run: Run = { findings: [...parsed.findings], skipped: [], checkedKinds: new Set(), options };
  const byHost = subsets ? new Map(subsets) : subsetsOfDocs(parsed.docs);
  const unchecked: Unchecked = new Map();
  for (const d of parsed.docs) check(d, (host) => byHost.get(host), run, unchecked);
  return chunkOf(parsed.inputs, run, unchecked, parsed.documents);
}

/** The one kind whose checks need every file's documents (the DestinationRule subsets of its destinations). */
const needsAllSubsets = (d: Doc) => d.value.kind === 'VirtualService' && typeof d.value.apiVersion === 'string' && d.value.apiVersion.startsWith('networking.istio.io/');

/**
 * Lints the documents of some inputs; subsets (of all inputs) default to those of these inputs.
 * Each file is checked as soon as it is parsed, so that its documents die young (keeping
 * every document until all are parsed cost a large share of the run in garbage collection);
 * only the VirtualServices wait for the subsets of every file. The result is checkParsed's:
 * findings are sorted when merged, and the VirtualServices add no notes.
 */
export function lintChunk(inputs: readonly LintInput[], options: LintOptions = {}, subsets?: readonly [string, string[]][]): LintChunk {
  const run: Run = { findings: [], skipped: [], checkedKinds: new Set(), options };
  const byHost = new Map(subsets);
  const subsetsOf = (host: string) => byHost.get(host);
  const unchecked: Unchecked = new Map();
  const waiting: Doc[] = [];
  let documents = 0;
  for (const input of inputs) {
    const parsed = parseInput(input, run.findings);
    documents += parsed.documents;
    for (const d of parsed.docs) {
      if (!subsets) addSubsets(d, byHost);
      if (needsAllSubsets(d)) waiting.push(d);
      else check(d, subsetsOf, run, unchecked);
    }
  }
  for (const d of waiting) check(d, subsetsOf, run, unchecked);
  return chunkOf(inputs, run, unchecked, documents);
}

function chunkOf(inputs: readonly LintInput[], run: Run, unchecked: Unchecked, documents: number): LintChunk {
  return {
    findings: placed(inputs, run.findings),
    skipped: run.skipped,
    unchecked: [...unchecked].flatMap(([file, byKind]) => [...byKind].map(([kind, numbers]): [string, string, string[]] => [file, kind, numbers])),
    documents,
    checkedKinds: [...run.checkedKinds],
  };
}

/** The chunks of `inputs` (in input order) as one result: findings sorted by file (in input order), line and column. */
export function mergeChunks(inputs: readonly LintInput[], chunks: readonly LintChunk[]): LintResult {
  const order = new Map(inputs.map((input, i) => [input.file, i]));
  const findings = chunks.flatMap((c) => c.findings);
  findings.sort((a, b) => order.get(a.file)! - order.get(b.file)! || a.line - b.line || a.column - b.column || a.doc - b.doc || (a.item ?? 0) - (b.item ?? 0));
  const notes = chunks.flatMap((c) => c.unchecked).map(([file, kind, numbers]) => `${file}: ${kind}: not checked by lint (no schema shipped); doc${numbers.length > 1 ? 's' : ''} ${numbers.join(', ')}`);
  return {
    findings,
    skipped: [...chunks.flatMap((c) => c.skipped), ...notes],
    documents: chunks.reduce((sum, c) => sum + c.documents, 0),
    checkedKinds: [...new Set(chunks.flatMap((c) => c.checkedKinds))].sort(),
  };
}

/** Lints every document of every input on this thread; findings are sorted by file (in input order), line and column. */
export function lintManifests(inputs: readonly LintInput[], options: LintOptions = {}): LintResult {
  const result = mergeChunks(inputs, [lintChunk(inputs, options)]);
  saveCompiledCode();
  return result;
}

/**
 * Lints documents a caller has already read from `inputs` (apply's objects), without reading
 * the files again; as lintManifests otherwise (the texts place the findings).
 */
export function lintDocuments(inputs: readonly LintInput[], docs: readonly Doc[], options: LintOptions = {}): LintResult {
  const chunk = checkParsed({ inputs, docs: [...docs], findings: [], documents: docs.length }, options);
  saveCompiledCode();
  return mergeChunks(inputs, [chunk]);
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
    const path = f.item === undefined ? f.path : f.path === '(document)' ? `items[${f.item - 1}]` : `items[${f.item - 1}].${f.path}`;
    return { ...f, ...at(f.doc, path) };
  });
}
