// exact and prefix matches are literal: a value that looks like a regular expression or a
// shell glob matches only requests that contain those characters, which is never what was
// meant. Such values are refused with the field that does what was meant, in the words of
// the file they are in: shipline.yaml and Istio (`prefix:`, `regex:`) or Gateway API
// (`type: PathPrefix`, `type: RegularExpression`).

const regexLike = /^\^|\$$|\.[*+]|\\[dws.]|\[\^|\(\?/;
const globLike = /\*/;

export type MatchSyntax = 'shipline' | 'istio' | 'gateway-api';

export interface LiteralMatchProblem {
  problem: string;
  fix: string;
}

/** What is wrong with `value` of a literal match and the fix, in `syntax`'s words; undefined when it is fine. */
export function literalMatch(kind: 'exact' | 'prefix', value: string, isPath: boolean, syntax: MatchSyntax): LiteralMatchProblem | undefined {
  const regex = regexLike.test(value);
  if (!regex && !(isPath && globLike.test(value))) return undefined;
  const quoted = JSON.stringify(value);
  const gateway = syntax === 'gateway-api';
  const named = gateway ? (kind === 'prefix' ? 'PathPrefix' : 'Exact') : kind;
  if (regex) {
    return {
      problem: `${quoted} looks like a regular expression, but ${named} matches it literally`,
      fix: gateway ? `write type: RegularExpression (value ${quoted}; RE2 in most implementations)` : `write regex: ${quoted} (RE2, matches the whole ${isPath ? 'path' : 'value'})`,
    };
  }
  const base = value.replace(/\*.*$/, '').replace(/(.)\/+$/, '$1') || '/';
  const prefix = gateway ? `type: PathPrefix, value: ${base}` : `prefix: ${base}`;
  return kind === 'prefix'
    ? { problem: `${quoted} is a glob, but ${named} matches it literally (no wildcards)`, fix: `write ${prefix} — a path prefix already matches ${base} and everything below it` }
    : { problem: `${quoted} is a glob, but ${named} matches it literally`, fix: `write ${prefix} for everything below it, or ${gateway ? 'type: RegularExpression' : 'regex:'} for a pattern` };
}

/** Why `value` of an exact/prefix match in shipline.yaml is surely a mistake, with the fix; undefined when it is fine. */
export function literalMatchProblem(kind: 'exact' | 'prefix', value: string, isPath: boolean): string | undefined {
  const found = literalMatch(kind, value, isPath, 'shipline');
  return found && `${found.problem}; ${found.fix}`;
}
