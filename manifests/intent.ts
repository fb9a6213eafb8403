// The routing intent: its schema and types (intent-schema.ts), and parseRouting, which
// validates a `routing` section in layers — schema, then rules that need several
// fields — and reports every problem at once.
import { explainHint, invalidConfig, type ConfigIssue, type FieldPositions } from '../pipelines/model/config-issues.js';
import { issuesFromZod } from './intent-issues.js';
import { routingRules } from './intent-rules.js';
import { routingJsonSchema, routingSchema, type RoutingIntent } from './intent-schema.js';

export * from './intent-schema.js';


/** Validates the `routing` section of `file`; throws one InputError naming every problem (where in the file, given its positions). */
export function parseRouting(raw: unknown, file: string, positions?: FieldPositions): RoutingIntent {
  const { intent, issues } = checkRouting(raw);
  if (!intent || issues.length > 0) throw invalidConfig(file, issues, `fix each field named above; ${explainHint(issues)}`, positions);
  return intent;
}

/** Every problem of a `routing` section (none: it parsed), and the intent when it parsed. */
export function checkRouting(raw: unknown): { intent?: RoutingIntent; issues: ConfigIssue[] } {
  const parsed = routingSchema.safeParse(raw);
  const issues: ConfigIssue[] = parsed.success ? [] : issuesFromZod(parsed.error, raw, routingJsonSchema(), 'routing');
  // The cross-field rules run on every part that parsed, even when another part did
  // not, so one run reports everything.
  issues.push(...routingRules(raw, 'routing'));
  return { intent: parsed.success ? parsed.data : undefined, issues: dedupe(issues) };
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\0${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
