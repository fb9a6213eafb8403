// A CRD schema error (from ajv) as a lint finding: the field's path, what is wrong, and a
// fix specific to the rule that failed (did-you-mean for an unknown field or value).
import type { SchemaError } from './crd-validator.js';
import type { RuleFinding } from './lint-types.js';
import { closest, didYouMean } from '../pipelines/model/suggest.js';

type Obj = Record<string, unknown>;

export function pathOf(pointer: string): string {
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

/** A short list of names for a fix line. */
function some(names: readonly string[], max = 12): string {
  return names.length > max ? `${names.slice(0, max).join(', ')}, …` : names.join(', ');
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function unknownField(path: string, field: string, known: string[]): RuleFinding {
  const guess = closest(field, known);
  return {
    path,
    message: `unknown field; ${didYouMean(field, known)}`,
    fix: guess ? `rename ${field} to ${guess}` : known.length > 0 ? `remove ${field}, or move it to the object it belongs to` : `remove ${field}: nothing is allowed here`,
  };
}

export function schemaFinding(e: SchemaError, all: readonly SchemaError[] = []): RuleFinding | undefined {
  const path = pathOf(e.instancePath);
  // Branch errors of a oneOf are summarised by the oneOf error itself.
  if (/\/(oneOf|anyOf)\/\d+\//.test(e.schemaPath)) return undefined;
  const join = (p: string, key: string) => (p === '(document)' ? key : `${p}.${key}`);
  const value = JSON.stringify(e.data);
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(e.params.additionalProperty);
      return unknownField(join(path, field), field, Object.keys((e.parentSchema?.properties as Obj | undefined) ?? {}));
    }
    case 'required': {
      const field = String(e.params.missingProperty);
      return { path: join(path, field), message: 'missing (required)', fix: `add ${field} to ${path === '(document)' ? 'the object' : path}` };
    }
    case 'oneOf': {
      const choices = ((e.parentSchema?.oneOf as Obj[] | undefined) ?? []).flatMap((b) => (b.required as string[] | undefined) ?? []);
      if (choices.length > 0) return { path, message: `set at most one of ${choices.join(', ')}`, fix: `keep one of ${choices.join(', ')} and remove the others` };
      const why = e.params.passingSchemas === null ? branchReasons(e, all) : '';
      return why
        ? { path, message: `matches none of the allowed forms (${why})`, fix: 'change the value to match one of the forms named above' }
        : { path, message: 'matches none or several of the allowed forms', fix: 'write exactly one of the forms its CRD allows here' };
    }
    case 'anyOf':
      return { path, message: `must be one of the allowed forms (${e.message ?? ''})`, fix: 'write one of the forms its CRD allows here' };
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const guess = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      return { path, message: `${value} must be one of ${allowed.join(', ')}`, fix: guess ? `did you mean ${guess}? write ${guess}` : `write one of ${some(allowed)}` };
    }
    case 'pattern':
      return { path, message: `${value} ${e.message ?? 'is invalid'}`, fix: `write a value that matches ${String(e.params.pattern)}` };
    case 'format':
      return { path, message: `${value} ${e.message ?? 'is invalid'}`, fix: `write a value of format "${String(e.params.format)}"` };
    case 'type': {
      const type = String(e.params.type).replace(/,/g, ' or ');
      const quotedNumber = typeof e.data === 'string' && /^-?\d+(\.\d+)?$/.test(e.data) && /integer|number/.test(type);
      return { path, message: `${value} ${e.message ?? 'has the wrong type'}`, fix: quotedNumber ? `remove the quotes: write ${e.data as string}` : `write ${article(type)} here` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `${value} ${e.message ?? e.keyword}`, fix: `write a number that ${e.message ?? 'is in range'}` };
    case 'minItems':
    case 'maxItems':
    case 'minLength':
    case 'maxLength':
    case 'minProperties':
    case 'maxProperties':
      return { path, message: e.message ?? e.keyword, fix: `change it so that it ${e.message ?? 'fits the limit'}` };
    case 'uniqueItems':
    case 'x-kubernetes-list-map-keys':
      return { path, message: e.message ?? e.keyword, fix: 'remove the duplicate item, or merge the two into one' };
    default: {
      const scalar = e.data === null || typeof e.data !== 'object';
      return { path, message: `${scalar ? `${value} ` : ''}${e.message ?? e.keyword}`, fix: `change it so that it satisfies the CRD's ${e.keyword} rule (${e.message ?? e.keyword})` };
    }
  }
}
