import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../pipelines/adapters/kube.js';
import { objectDiff } from '../../pipelines/cluster/diff.js';

const secret = (data: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'ns' },
  type: 'Opaque',
  data,
  ...extra,
});

describe('objectDiff masks Secret values like kubectl diff', () => {
  const marker = Buffer.from('MARKER-s3cr3t-1').toString('base64');
  const other = Buffer.from('MARKER-s3cr3t-2').toString('base64');

  it('a new Secret shows its keys, never its values', () => {
    const diff = objectDiff('Secret/ns/s', undefined, secret({ password: marker }));
    expect(diff).toContain('password: "*** (after)"');
    expect(diff).not.toContain(marker);
  });

  it('a changed value is *** (before) / *** (after); an unchanged one is ***', () => {
    const diff = objectDiff('Secret/ns/s', secret({ password: marker, user: other }), secret({ password: other, user: other }));
    expect(diff).toContain('-  password: "*** (before)"');
    expect(diff).toContain('+  password: "*** (after)"');
    expect(diff).not.toContain(marker);
    expect(diff).not.toContain(other);
  });

  it('stringData and the last-applied annotation are masked too', () => {
    const applied = secret({}, { stringData: { token: 'MARKER-plain' }, metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"token":"MARKER-plain"}}' } } });
    const diff = objectDiff('Secret/ns/s', undefined, applied);
    expect(diff).not.toContain('MARKER-plain');
  });

  it('the same Secret gives no diff', () => {
    expect(objectDiff('Secret/ns/s', secret({ password: marker }), secret({ password: marker }))).toBe('');
  });

  it('other kinds are shown as they are', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'visible' } };
    expect(objectDiff('ConfigMap/c', undefined, cm)).toContain('a: visible');
  });
});
