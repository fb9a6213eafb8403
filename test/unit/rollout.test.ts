import { describe, expect, it } from 'vitest';
import type { RoutingIntent } from '../../manifests/intent.js';
import { renderIstio } from '../../manifests/istio.js';
import { rolloutSection } from '../../pipelines/config/rollout.js';
import { leaseExpired } from '../../pipelines/rollout/lease.js';
import { intentFor, stableState, strategyStates } from '../../pipelines/rollout/route-states.js';
import { subsetFor } from '../../pipelines/model/image-ref.js';
import { liveWeights } from '../../pipelines/rollout/status.js';
import { deriveVersion } from '../../pipelines/rollout/derive.js';
import { generatedTemplate } from '../../pipelines/rollout/template.js';

const config = rolloutSection.parse({});
const base: RoutingIntent = {
  name: 'link', namespace: 'default', hosts: ['link.example.com'], gateways: ['my-gateway'], service: 'link', port: 8080, subsets: {},
  rules: [
    { match: { path: { prefix: '/admin' } }, to: [{ service: 'admin' }] },
    { to: [{ service: 'link' }], timeout: '2s', retries: { attempts: 3, perTryTimeout: '1s' } },
  ],
};
const labels = { v1: { version: 'v1' }, v2: { version: 'v2' } };

describe('strategy states', () => {
  it('canary walks the configured steps, ending on the new version alone', () => {
    expect(strategyStates('canary', 'v1', 'v2', config).map((s) => s.split)).toEqual([
      [{ subset: 'v1', weight: 90 }, { subset: 'v2', weight: 10 }],
      [{ subset: 'v1', weight: 75 }, { subset: 'v2', weight: 25 }],
      [{ subset: 'v1', weight: 50 }, { subset: 'v2', weight: 50 }],
      [{ subset: 'v2', weight: 100 }],
    ]);
  });
  it('mirror, header and subset keep the stable version serving everyone else', () => {
    expect(strategyStates('mirror', 'v1', 'v2', config)).toEqual([{ label: 'mirror 50% to v2', split: [{ subset: 'v1', weight: 100 }], mirror: { subset: 'v2', percent: 50 } }]);
    expect(strategyStates('header', 'v1', 'v2', config)[0]!.header).toEqual({ name: 'user', value: 'premium-user', subset: 'v2' });
    expect(strategyStates('subset', 'v1', 'v2', config)[0]!.header).toEqual({ name: 'version', value: 'v2', subset: 'v2' });
  });
});

describe('intent for a state', () => {
  it('replaces only the default route, keeping its timeout and retries and the other rules', () => {
    const intent = intentFor(base, strategyStates('canary', 'v1', 'v2', config)[1]!, labels);
    expect(intent.rules[0]).toEqual(base.rules[0]);
    expect(intent.rules[1]).toMatchObject({ to: [{ subset: 'v1', weight: 75 }, { subset: 'v2', weight: 25 }], timeout: '2s', retries: { attempts: 3 } });
    expect(intent.subsets).toEqual(labels);
    const [dr, vs] = renderIstio(intent);
    expect(dr!.kind).toBe('DestinationRule');
    expect((vs!.spec as { http: { route: unknown[] }[] }).http[1]!.route).toEqual([
      { destination: { host: 'link', subset: 'v1', port: { number: 8080 } }, weight: 75 },
      { destination: { host: 'link', subset: 'v2', port: { number: 8080 } }, weight: 25 },
    ]);
  });
  it('puts the header rule just before the default route, and mirror on the route itself', () => {
    const header = intentFor(base, strategyStates('header', 'v1', 'v2', config)[0]!, labels);
    expect(header.rules.map((r) => r.match?.headers ?? r.match?.path ?? 'default')).toEqual([{ prefix: '/admin' }, { user: { exact: 'premium-user' } }, 'default']);
    const mirror = intentFor(base, strategyStates('mirror', 'v1', 'v2', config)[0]!, labels);
    expect(mirror.rules.at(-1)).toMatchObject({ to: [{ subset: 'v1' }], mirror: { subset: 'v2', percent: 50 } });
    expect(intentFor(base, stableState('v1'), labels).rules.at(-1)!.mirror).toBeUndefined();
  });
  it('appends a default route when the routing has none', () => {
    const noDefault = { ...base, rules: [base.rules[0]!] };
    expect(intentFor(noDefault, stableState('v1'), labels).rules).toHaveLength(2);
  });
});

describe('workloads', () => {
  it('without manifests: one generated Deployment per version, subset label, pinned image, ordinary container port', () => {
    const template = generatedTemplate({ service: 'link', namespace: 'default', selector: { app: 'link' }, workload: { replicas: 2, port: 8080, terminationGracePeriodSeconds: 30, command: ['httpd', '-f'] } });
    const [d, ...rest] = deriveVersion(template, { subset: 'v2', image: 'r/link@sha256:abc', subsetLabels: { version: 'v2' }, namespace: 'default' });
    expect(rest).toEqual([]);
    expect(d!.metadata).toMatchObject({ name: 'link-v2', labels: { app: 'link', version: 'v2' } });
    const spec = d!.spec as { replicas: number; selector: unknown; template: { spec: Record<string, unknown> & { containers: { image: string; command: string[]; ports: unknown }[] } } };
    expect(spec.replicas).toBe(2);
    expect(spec.selector).toEqual({ matchLabels: { app: 'link', version: 'v2' } });
    expect(spec.template.spec.hostNetwork).toBeUndefined();
    expect(spec.template.spec.containers[0]).toMatchObject({ image: 'r/link@sha256:abc', command: ['httpd', '-f'], ports: [{ name: 'http', containerPort: 8080 }] });
  });
  it('gives versions DNS-safe subset names', () => {
    expect(subsetFor('20240126.1')).toBe('v20240126-1');
    expect(subsetFor('1.4.0-rc.2')).toBe('v1-4-0-rc-2');
    expect(subsetFor('Canary_B')).toBe('canary-b');
  });
});

describe('leases and live weights', () => {
  it('expire when not renewed within their duration', () => {
    const lease = { apiVersion: 'coordination.k8s.io/v1' as const, kind: 'Lease' as const, metadata: { name: 'l', namespace: 'd' }, spec: { renewTime: '2024-01-26T00:00:00.000000Z', leaseDurationSeconds: 30 } };
    expect(leaseExpired(lease, new Date('2024-01-26T00:00:29Z'))).toBe(false);
    expect(leaseExpired(lease, new Date('2024-01-26T00:00:31Z'))).toBe(true);
  });
  it('read weights and mirror back from a live VirtualService', () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'link' },
      spec: { http: [{ route: [{ destination: { host: 'link', subset: 'v1' }, weight: 80 }, { destination: { host: 'link', subset: 'v2' }, weight: 20 }], mirror: { host: 'link', subset: 'v2' }, mirrorPercentage: { value: 50 } }] },
    };
    expect(liveWeights(vs)).toEqual({ weights: [{ rule: 0, destination: 'v1', weight: 80 }, { rule: 0, destination: 'v2', weight: 20 }], mirror: 'v2 50%' });
    // HTTPRoute weights are relative, the API server defaults a single backendRef's to 1.
    const route = (refs: { name: string; weight?: number }[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { rules: [{ backendRefs: refs }] } });
    expect(liveWeights(route([{ name: 'link-v2', weight: 1 }])).weights).toEqual([{ rule: 0, destination: 'link-v2', weight: 100 }]);
    expect(liveWeights(route([{ name: 'link-v1', weight: 3 }, { name: 'link-v2', weight: 1 }])).weights.map((w) => w.weight)).toEqual([75, 25]);
    expect(liveWeights(route([{ name: 'link-v1', weight: 0 }, { name: 'link-v2' }])).weights.map((w) => w.weight)).toEqual([0, 100]);
  });
});

describe('canary steps', () => {
  it('parse from --steps and must increase within 1..100', async () => {
    const { parseSteps } = await import('../../pipelines/config/rollout.js');
    expect(parseSteps('10,25,50,100')).toEqual([10, 25, 50, 100]);
    expect(() => parseSteps('10,5,100')).toThrow(/--steps 10,5,100: 5 after 10; steps must increase/);
    expect(() => parseSteps('150')).toThrow(/"150" is not a whole percentage between 1 and 100/);
    expect(() => parseSteps('10,,20')).toThrow(/"" is not a whole percentage/);
    expect(rolloutSection.safeParse({ steps: [50, 20] }).success).toBe(false);
  });
});
