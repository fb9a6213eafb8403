// The one fast reading of manifest YAML: js-yaml, several times faster than the `yaml`
// library on a cold start (100 objects: about 70 ms against 400), for text where both give
// the same values. Anything else — merge keys, tags, explicit keys, directives, numbers the
// two read differently, many aliases in one document, or any error — is left to the careful
// parser (`yaml`), which alone words errors with line and column.
import jsYaml from 'js-yaml';

/**
 * At most this many aliases in one document: `yaml` refuses a document whose alias
 * expansion exceeds 100 (count × nested alias count); with n alias tokens the worst product
 * is 3^(n/3), which stays at or under 100 up to n = 12. js-yaml has no such limit.
 */
const maxAliases = 12;

/**
 * Tokens the two parsers may read differently: merge keys, tags, explicit (complex) keys,
 * directives, and numbers only one of them reads as numbers (0b101, +0x1, -.5, 1e400).
 */
const notPlain = /(^|\s)<<\s*:|(^|[\s[{,])!|^\s*\?(\s|$)|^%|(^|[\s[{,])([-+]?0b|[-+]0[xo]|[-+]\.[0-9])|[0-9.]e[-+]?[0-9]{3}/im;
/**
 * Every token of notPlain but the exponent holds one of these. Both are found several
 * times faster than notPlain itself, which tries its alternatives at every position: a
 * plain manifest holds none of them, and notPlain runs only on a text that does.
 */
const notPlainHint = /[<!?%]|0[bxo]|[-+]\./i;
const longExponent = /[0-9.]e[-+]?[0-9]{3}/i;
const alias = /(^|[\s[{,])\*[^\s,\]}]/g;
/** Document markers at the start of a line always end a document (even inside a block scalar). */
const documentMarker = /^(?:---|\.\.\.)(?=\s|$)/m;

function plainEnough(text: string): boolean {
  if (longExponent.test(text) || (notPlainHint.test(text) && notPlain.test(text))) return false;
  // An alias is written with `*`.
  if (!text.includes('*')) return true;
  return text.split(documentMarker).every((part) => (part.match(alias)?.length ?? 0) <= maxAliases);
}

/** The documents' values, or undefined when the careful parser must read the text. */
export function plainYamlValues(text: string): unknown[] | undefined {
  if (!plainEnough(text)) return undefined;
  try {
    return jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA });
  } catch {
    return undefined;
  }
}
