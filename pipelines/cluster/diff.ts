// What an apply would change: the live object against the server's dry-run result,
// without the fields the server manages itself.
import { createTwoFilesPatch } from 'diff';
import type { KubeObject } from '../adapters/kube.js';
import { toYaml } from '../model/yaml.js';

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

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

type SecretLike = KubeObject & { data?: Record<string, unknown>; stringData?: Record<string, unknown> };

/**
 * Secret values replaced the way `kubectl diff` does: `***` when a key's value is the same
 * on both sides, `*** (before)` / `*** (after)` when it changes. No secret byte is printed.
 */
export function maskSecrets(live: KubeObject | undefined, applied: KubeObject): [KubeObject | undefined, KubeObject] {
  if (applied.kind !== 'Secret' || (live && live.kind !== 'Secret')) return [live, applied];
  const mask = (object: SecretLike, other: SecretLike | undefined, side: 'before' | 'after'): SecretLike => {
    const out: SecretLike = { ...object };
    // A client-side apply keeps the whole Secret, values included, in this annotation.
    const annotations = object.metadata.annotations as Record<string, string> | undefined;
    if (annotations?.[lastApplied] !== undefined) out.metadata = { ...object.metadata, annotations: { ...annotations, [lastApplied]: '***' } };
    for (const field of ['data', 'stringData'] as const) {
      const values = object[field];
      if (!values || typeof values !== 'object') continue;
      out[field] = Object.fromEntries(
        Object.entries(values).map(([key, value]) => [key, other?.[field]?.[key] === value ? '***' : `*** (${side})`]),
      );
    }
    return out;
  };
  return [live ? mask(live, applied, 'before') : undefined, mask(applied, live, 'after')];
}

/** A unified diff, or '' when nothing would change. Secret values are masked. */
export function objectDiff(label: string, liveObject: KubeObject | undefined, appliedObject: KubeObject): string {
  const [live, applied] = maskSecrets(liveObject, appliedObject);
  const before = live ? toYaml([comparable(live)]) : '';
  const after = toYaml([comparable(applied)]);
  if (before === after) return '';
  return createTwoFilesPatch(live ? `live/${label}` : '/dev/null', `applied/${label}`, before, after, '', '', { context: 3 });
}
