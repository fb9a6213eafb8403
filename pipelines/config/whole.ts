// The whole shipline.yaml checked offline, every section at once (build sections, routing,
// rollout), each problem with a fix in the words of `shipline explain`: what `shipline
// lint shipline.yaml` and `shipline validate` print, and what render and build refuse
// before doing anything.
import { issuesFromZod } from '../../manifests/intent-issues.js';
import { checkRouting } from '../../manifests/intent.js';
import { rolloutSection } from './rollout.js';
import type { InputError } from '../errors.js';
import { explainField } from './explain.js';
import { configJsonSchema } from './json-schema.js';
import { configRules } from './load.js';
import { explainHint, invalidConfig, type ConfigIssue, type FieldPositions } from '../model/config-issues.js';
import { buildConfigSchema } from './schema.js';

export interface WholeConfigIssue extends ConfigIssue {
  fix: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value as one line of YAML flow style, for a fix line. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (isObj(value)) return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${inline(v)}`).join(', ')} }`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The fix of one issue: a rename for a typo, else what the field takes, as `shipline explain` says it. */
export function issueFix(issue: ConfigIssue): string {
  const keys = issue.path.split('.');
  const last = keys.at(-1)!.replace(/\[\d+\]$/, '');
  const rename = /^unknown field; did you mean (\S+)\?$/.exec(issue.message);
  if (rename) return `rename ${last} to ${rename[1]}`;
  try {
    if (issue.message.startsWith('unknown field')) {
      const parent = keys.slice(0, -1).join('.');
      const fields = explainField(parent).fields.map((f) => f.name);
      return `remove ${last}; ${parent || 'the top level'} takes ${fields.join(', ')}`;
    }
    const doc = explainField(issue.path);
    const defaults = doc.default !== undefined ? ` (default ${inline(doc.default)})` : '';
    const example = doc.example !== undefined ? `, e.g. ${doc.path.split('.').at(-1)}: ${inline(doc.example)}` : '';
    return `${doc.path} takes ${doc.type}${defaults}${example}; \`shipline explain ${doc.path}\` says more`;
  } catch {
    return explainHint([issue]);
  }
}

/**
 * Every problem of a shipline.yaml's sections. Without requireImage a file holding only some
 * sections (a routing section for render) is fine; the sections it has are checked whole.
 */
export function wholeConfigIssues(raw: unknown, options: { requireImage: boolean }): WholeConfigIssue[] {
  if (!isObj(raw)) return options.requireImage ? [{ path: '(top level)', message: 'must be a mapping of sections (image, routing, rollout, …)', fix: 'run `shipline init` for a starter config' }] : [];
  const issues: ConfigIssue[] = [];
  const schema = options.requireImage || raw.image !== undefined ? buildConfigSchema : buildConfigSchema.partial({ image: true });
  const build = schema.safeParse(raw);
  if (!build.success) issues.push(...issuesFromZod(build.error, raw, configJsonSchema(), ''));
  else if (raw.image !== undefined) issues.push(...configRules(build.data as Parameters<typeof configRules>[0]));
  if (raw.routing !== undefined) issues.push(...checkRouting(raw.routing).issues);
  if (raw.rollout !== undefined) {
    const rollout = rolloutSection.safeParse(raw.rollout);
    if (!rollout.success) issues.push(...issuesFromZod(rollout.error, raw.rollout, (configJsonSchema().properties as Obj).rollout as object, 'rollout'));
  }
  return issues.map((issue) => ({ ...issue, fix: issueFix(issue) }));
}

/** The issues of a file in the order of their lines, each with its position. */
export function placedIssues(issues: readonly WholeConfigIssue[], positions: FieldPositions | undefined): (WholeConfigIssue & { line?: number; column?: number })[] {
  return issues
    .map((issue) => {
      const at = positions?.(issue.path);
      return at ? { ...issue, line: at.line, column: at.col } : issue;
    })
    .sort((a, b) => ('line' in a ? a.line : 0) - ('line' in b ? b.line : 0) || ('column' in a ? a.column : 0) - ('column' in b ? b.column : 0));
}

/** Refuses (one InputError naming every problem) a config whose sections are not all valid. */
export function assertWholeConfig(file: string, raw: unknown, options: { requireImage: boolean; positions?: FieldPositions }): void {
  const issues = wholeConfigIssues(raw, options);
  if (issues.length > 0) throw wholeConfigError(file, placedIssues(issues, options.positions), options.positions);
}

function wholeConfigError(file: string, issues: readonly WholeConfigIssue[], positions: FieldPositions | undefined): InputError {
  return invalidConfig(file, issues, issues.length === 1 ? issues[0]!.fix : `fix each field named above; ${explainHint(issues)}`, positions);
}
