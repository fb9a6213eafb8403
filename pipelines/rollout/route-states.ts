// The traffic states a rollout strategy walks through, and the routing intent each one
// renders from. Pure.
import type { Destination, RoutingIntent, RoutingRule } from '../../manifests/intent.js';
import type { RolloutConfig } from '../config/rollout.js';

export interface RouteState {
  label: string;
  split: { subset: string; weight: number }[];
  mirror?: { subset: string; percent: number };
  header?: { name: string; value: string; subset: string };
}

export type Strategy = RolloutConfig['strategy'];

export function stableState(subset: string): RouteState {
  return { label: `100% ${subset}`, split: [{ subset, weight: 100 }] };
}

export function strategyStates(strategy: Strategy, stable: string, next: string, config: RolloutConfig): RouteState[] {
  switch (strategy) {
    case 'canary':
      return config.steps.map((w) => ({
        label: `canary ${w}% ${next}`,
        split: w === 100 ? [{ subset: next, weight: 100 }] : [{ subset: stable, weight: 100 - w }, { subset: next, weight: w }],
      }));
    case 'mirror':
      return [{ label: `mirror ${config.mirrorPercent}% to ${next}`, split: [{ subset: stable, weight: 100 }], mirror: { subset: next, percent: config.mirrorPercent } }];
    case 'header':
      return [{ label: `header ${config.header.name}: ${config.header.value} → ${next}`, split: [{ subset: stable, weight: 100 }], header: { ...config.header, subset: next } }];
    case 'subset':
      return [{ label: `header version: ${next} → ${next}`, split: [{ subset: stable, weight: 100 }], header: { name: 'version', value: next, subset: next } }];
  }
}

function isCatchAll(rule: RoutingRule): boolean {
  return rule.match === undefined || (rule.match.path === undefined && rule.match.headers === undefined);
}

/**
 * The base intent with its default (catch-all, last) rule sending traffic as the state
 * says; other rules stay as they are. A header state adds a rule just before it.
 */
export function intentFor(base: RoutingIntent, state: RouteState, subsetLabels: Record<string, Record<string, string>>): RoutingIntent {
  const last = base.rules.at(-1);
  const keep = last && isCatchAll(last) ? base.rules.slice(0, -1) : base.rules;
  const template: Partial<RoutingRule> = last && isCatchAll(last) ? last : {};
  const to: Destination[] = state.split.map(({ subset, weight }) => (state.split.length > 1 ? { subset, weight } : { subset }));
  const defaultRule: RoutingRule = {
    ...template,
    to,
    mirror: state.mirror ? { subset: state.mirror.subset, percent: state.mirror.percent } : undefined,
  };
  const headerRule: RoutingRule[] = state.header
    ? [{ ...template, name: undefined, mirror: undefined, match: { headers: { [state.header.name]: { exact: state.header.value } } }, to: [{ subset: state.header.subset }] }]
    : [];
  return { ...base, subsets: { ...subsetLabels, ...base.subsets }, rules: [...keep, ...headerRule, defaultRule] };
}

