// Regular expressions as Istio/Envoy and Gateway API implementations read them: RE2
// syntax (no lookaround, no backreferences), matched against the whole string.
import { RE2JS } from 're2js';

const compiled = new Map<string, RE2JS | string>();

function compile(pattern: string): RE2JS | string {
  let entry = compiled.get(pattern);
  if (entry === undefined) {
    try {
      entry = RE2JS.compile(pattern);
    } catch (error) {
      entry = (error as Error).message.replace(/^error parsing regexp: /i, '');
    }
    compiled.set(pattern, entry);
  }
  return entry;
}

/** Why RE2 refuses the pattern (e.g. `invalid or unsupported Perl syntax: (?!`), or undefined when it compiles. */
export function re2Error(pattern: string): string | undefined {
  const entry = compile(pattern);
  return typeof entry === 'string' ? entry : undefined;
}

/** The compiled pattern, cached (for CEL's matches(), which finds the pattern anywhere); throws when not RE2. */
export function re2Compiled(pattern: string): { test(text: string): boolean } {
  const entry = compile(pattern);
  if (typeof entry === 'string') throw new Error(`invalid regular expression ${pattern}: ${entry}`);
  return entry;
}

/** Does the pattern match the whole of text (Envoy's safe_regex semantics)? Undefined when the pattern is not RE2. */
export function re2FullMatch(pattern: string, text: string): boolean | undefined {
  const entry = compile(pattern);
  return typeof entry === 'string' ? undefined : entry.matches(text);
}

/**
 * A literal text every string the pattern fully matches starts with ('' when unsure):
 * the pattern's leading plain characters, up to the first metacharacter; none when a
 * top-level | makes alternatives.
 */
export function literalPrefix(pattern: string): string {
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '[') {
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return '';
  }
  let out = '';
  let i = pattern.startsWith('^') ? 1 : 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    let literal: string | undefined;
    let width = 1;
    if (/[A-Za-z0-9/_\-~%!&',;=:@<>"`#]/.test(c)) literal = c;
    else if (c === '\\' && i + 1 < pattern.length && /[^A-Za-z0-9]/.test(pattern[i + 1]!)) {
      literal = pattern[i + 1];
      width = 2;
    }
    if (literal === undefined) break;
    // A quantifier after the character makes it optional or repeated: stop before it.
    if (/[*+?{]/.test(pattern[i + width] ?? '')) break;
    out += literal;
    i += width;
  }
  return out;
}

/**
 * Patterns of the plain subset where RE2 and JavaScript's RegExp (unicode mode) agree:
 * literals, escaped metacharacters, classes without letter escapes (\s, \w, \p differ),
 * groups, alternation, quantifiers, anchors; no bare `.` (RE2's
 * also matches \r and U+2028). The CRDs' CEL rules use only these.
 */
const plainPattern = /^(?:\\[.*+?()[\]{}|^$\\/]|\[(?:\\[^A-Za-z0-9]|[^\]\\])+\]|\(\?:|\((?!\?)|[)|*+?^$]|\{\d+(?:,\d*)?\}|[^.\\[\](){}|*+?^$])*$/;
const native = new Map<string, { test(text: string): boolean }>();

/**
 * A pattern for CEL's matches(): JavaScript's own RegExp for the plain subset (compiling
 * a pattern with re2js costs tens of milliseconds, once per run), re2js for anything else.
 */
export function celRegex(pattern: string): { test(text: string): boolean } {
  let entry = native.get(pattern);
  if (entry) return entry;
  // (?i) at the start, or right after ^, applies to the whole pattern: the i flag.
  const flagged = /^(\^?)\(\?i\)/.exec(pattern);
  const body = flagged ? `${flagged[1]}${pattern.slice(flagged[0].length)}` : pattern;
  if (plainPattern.test(body)) {
    try {
      entry = new RegExp(body, flagged ? 'iu' : 'u');
    } catch {
      // Not valid in unicode mode: RE2 decides.
    }
  }
  entry ??= re2Compiled(pattern);
  native.set(pattern, entry);
  return entry;
}
