// exact and prefix matches are literal: a value that looks like a regular expression or a
// shell glob matches only requests that contain those characters, which is never what was
// meant. Such values are refused with the field that does what was meant.

const regexLike = /^\^|\$$|\.[*+]|\\[dws.]|\[\^|\(\?/;
const globLike = /\*/;

/** Why `value` of an exact/prefix match is surely a mistake, with the fix; undefined when it is fine. */
export function literalMatchProblem(kind: 'exact' | 'prefix', value: string, isPath: boolean): string | undefined {
  if (regexLike.test(value)) {
    const quoted = JSON.stringify(value);
    return `${quoted} looks like a regular expression, but ${kind} matches it literally; write regex: ${quoted} (RE2, matches the whole ${isPath ? 'path' : 'value'})`;
  }
  if (isPath && globLike.test(value)) {
    const base = value.replace(/\*.*$/, '').replace(/(.)\/+$/, '$1') || '/';
    return kind === 'prefix'
      ? `${JSON.stringify(value)} is a glob, but prefix matches it literally (no wildcards); write prefix: ${base} — a path prefix already matches ${base} and everything below it`
      : `${JSON.stringify(value)} is a glob, but exact matches it literally; write prefix: ${base} for everything below it, or regex: for a pattern`;
  }
  return undefined;
}
