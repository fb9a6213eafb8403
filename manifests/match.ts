// Reasoning about rule matches: which rule hides a later one (Istio: first match
// wins), and which later rule Gateway API would prefer (most specific match wins).
import type { RoutingMatch, StringMatch } from './intent-schema.js';
import { literalPrefix, re2FullMatch } from './re2.js';

export function isCatchAll(match: RoutingMatch | undefined): boolean {
  if (!match) return true;
  const noHeaders = Object.keys(match.headers ?? {}).length === 0;
  return noHeaders && (!match.path || match.path.prefix === '/');
}

/** Does every string `inner` accepts also satisfy `outer`? (false when unsure) */
function implies(inner: StringMatch, outer: StringMatch): boolean {
  if (outer.prefix !== undefined) {
    const candidate = inner.exact ?? inner.prefix;
    return candidate !== undefined && candidate.startsWith(outer.prefix);
  }
  if (outer.exact !== undefined) return inner.exact === outer.exact;
  return outer.regex !== undefined && inner.regex === outer.regex;
}

/** True when every request `later` matches is already matched by `earlier`. */
export function shadows(earlier: RoutingMatch | undefined, later: RoutingMatch | undefined): boolean {
  if (isCatchAll(earlier)) return true;
  if (!later) return false;
  if (earlier!.path && earlier!.path.prefix !== '/' && !(later.path && implies(later.path, earlier!.path))) return false;
  for (const [name, condition] of Object.entries(earlier!.headers ?? {})) {
    const other = later.headers?.[name];
    if (!other || !implies(other, condition)) return false;
  }
  return true;
}

/** Can one request match both strings? (true when unsure) */
function mayOverlap(a: StringMatch, b: StringMatch, pathSegments: boolean): boolean {
  if (a.exact !== undefined && b.exact !== undefined) return a.exact === b.exact;
  // A regex matches the whole value: test an exact value, compare literal prefixes otherwise.
  if (a.regex !== undefined && b.exact !== undefined) return re2FullMatch(a.regex, b.exact) ?? true;
  if (b.regex !== undefined && a.exact !== undefined) return re2FullMatch(b.regex, a.exact) ?? true;
  if (a.regex !== undefined || b.regex !== undefined) {
    const left = a.regex !== undefined ? literalPrefix(a.regex) : (a.prefix ?? '');
    const right = b.regex !== undefined ? literalPrefix(b.regex) : (b.prefix ?? '');
    return left.startsWith(right) || right.startsWith(left);
  }
  const within = (value: string, prefix: string) =>
    value.startsWith(prefix) &&
    (!pathSegments || prefix.endsWith('/') || value.length === prefix.length || value[prefix.length] === '/');
  if (a.exact !== undefined && b.prefix !== undefined) return within(a.exact, b.prefix);
  if (b.exact !== undefined && a.prefix !== undefined) return within(b.exact, a.prefix);
  if (a.prefix !== undefined && b.prefix !== undefined) return within(a.prefix, b.prefix) || within(b.prefix, a.prefix);
  return true;
}

function matchesMayOverlap(a: RoutingMatch | undefined, b: RoutingMatch | undefined): boolean {
  if (a?.path && b?.path && !mayOverlap(a.path, b.path, true)) return false;
  for (const [name, condition] of Object.entries(a?.headers ?? {})) {
    const other = b?.headers?.[name];
    if (other && !mayOverlap(condition, other, false)) return false;
  }
  return true;
}

/**
 * Gateway API ranks matches (exact path, then longest prefix, then most headers),
 * falling back to list order only on ties. A later rule that overlaps an earlier one
 * and ranks higher would change which rule wins. Regex paths have an
 * implementation-specific rank, so any overlap with one is reported, except against a
 * catch-all, which every implementation ranks last.
 */
export function outranks(earlier: RoutingMatch | undefined, later: RoutingMatch | undefined): boolean {
  if (isCatchAll(later) || !matchesMayOverlap(earlier, later)) return false;
  const e = earlier?.path;
  const l = later?.path;
  if (e?.regex !== undefined || l?.regex !== undefined) {
    return !isCatchAll(earlier) && !(e?.regex !== undefined && e.regex === l?.regex);
  }
  const kind = (p: StringMatch | undefined) => (p?.exact !== undefined ? 2 : 1);
  if (kind(l) !== kind(e)) return kind(l) > kind(e);
  const length = (p: StringMatch | undefined) => (p?.exact ?? p?.prefix ?? '/').length;
  if (length(l) !== length(e)) return length(l) > length(e);
  return Object.keys(later?.headers ?? {}).length > Object.keys(earlier?.headers ?? {}).length;
}

/** Does the order of two overlapping rules depend on how an implementation ranks a regex path? */
export function rankIsImplementationSpecific(earlier: RoutingMatch | undefined, later: RoutingMatch | undefined): boolean {
  return earlier?.path?.regex !== undefined || later?.path?.regex !== undefined;
}
