// What an apply would change: the live object against the server's dry-run result,
// without the fields the server manages itself.
import { createTwoFilesPatch } from 'diff';
import type { KubeObject } from '../adapters/kube.js';
import { toYaml } from '../../manifests/yaml.js';

const serverOwned = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp'];

export function comparable(object: KubeObject | undefined): unknown {
  if (!object) return undefined;
  const { status: _status, ...rest } = object;
  const metadata = Object.fromEntries(Object.entries(rest.metadata).filter(([key]) => !serverOwned.includes(key)));
  return { ...rest, metadata };
}

export function sameContent(a: KubeObject, b: KubeObject): boolean {
  return toYaml([comparable(a)]) === toYaml([comparable(b)]);
}

/** A unified diff, or '' when nothing would change. */
export function objectDiff(label: string, live: KubeObject | undefined, applied: KubeObject): string {
  const before = live ? toYaml([comparable(live)]) : '';
  const after = toYaml([comparable(applied)]);
  if (before === after) return '';
  return createTwoFilesPatch(live ? `live/${label}` : '/dev/null', `applied/${label}`, before, after, '', '', { context: 3 });
}
