// The user's workload: picking the service's Deployment out of their manifests (every
// bad input names file and field), and deriving each version from it.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../pipelines/config/load.js';
import { parseObjects, type SourcedObject } from '../../pipelines/cluster/documents.js';
import { InputError } from '../../pipelines/errors.js';
import { pinnedImage } from '../../pipelines/rollout/adopt.js';
import { deriveVersion, podSelector } from '../../pipelines/rollout/derive.js';
import { readManifests } from '../../pipelines/rollout/read-manifests.js';
import { templateFromManifests, type DeploymentObject, type TemplateOptions } from '../../pipelines/rollout/template.js';
import { errorOf } from '../support/error-of.js';

const sampleFile = 'service/deploy/link.yaml';
const sample = () => parseObjects(readFileSync(join(projectRoot, sampleFile), 'utf8'), sampleFile);
const options: TemplateOptions = { configFile: 'shipline.yaml', namespace: 'default', routeLabels: { app: 'link' } };
const image = '127.0.0.1:5000/modco/link@sha256:' + 'a'.repeat(64);

const yaml = (text: string) => parseObjects(text, 'deploy.yaml');
const deployment = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { app: link } }
  template:
    metadata: { labels: { app: link } }
    spec:
      containers:
        - { name: web, image: "modco/link:1" }
        - { name: sidecar, image: "modco/proxy:2" }
${extra}`;

describe('the service Deployment in the manifests', () => {
  it('takes the only Deployment and its first container; the other objects are shared', () => {
    const t = templateFromManifests(sample(), sampleFile, options);
    expect(t.deployment.metadata.name).toBe('link');
    expect(t.container).toBe('link');
    expect(t.source).toBe(`${sampleFile} doc 2`);
    expect(t.shared.map((s) => `${s.object.kind}/${s.object.metadata.name}`)).toEqual(['ConfigMap/link-config', 'Service/link']);
    expect(t.autoscalers).toEqual([]);
  });

  it('exits 2 naming file and field for each bad input', () => {
    const cases: [SourcedObject[], Partial<TemplateOptions>, string][] = [
      [yaml('apiVersion: v1\nkind: Service\nmetadata: { name: link }\n'), {}, 'deploy.yaml: no Deployment (apps/v1) among the 1 objects of rollout.workload.manifests'],
      [yaml(`${deployment('a')}---\n${deployment('b')}`), {}, 'shipline.yaml: rollout.workload.deployment: missing; deploy.yaml hold 2 Deployments (a in deploy.yaml doc 1, b in deploy.yaml doc 2)'],
      [yaml(deployment('a')), { deployment: 'nope' }, 'shipline.yaml: rollout.workload.deployment: no Deployment named nope in deploy.yaml'],
      [yaml(deployment('a')), { container: 'app' }, 'shipline.yaml: rollout.workload.container: Deployment a (deploy.yaml doc 1) has no container named app in spec.template.spec.containers'],
      [yaml(deployment('a').replace('selector: { matchLabels: { app: link } }', 'selector: { matchLabels: { app: other } }')), {}, 'deploy.yaml doc 1: Deployment a: spec.selector (app=other) does not match spec.template.metadata.labels (app=link)'],
      [yaml(deployment('a').replace('"modco/link:1"', '"{{ .Values.image }}"')), {}, 'deploy.yaml doc 1: Deployment a: spec.template.spec.containers[0].image: "{{ .Values.image }}" is not an image reference shipline can replace'],
      [yaml(deployment('a').replace('{ name: web, image: "modco/link:1" }', '{ name: web }')), {}, 'spec.template.spec.containers[0].image: null is not an image reference'],
      [yaml(deployment('a').replace('metadata: { name: a }', 'metadata: { name: a, namespace: prod }')), {}, 'deploy.yaml doc 1: Deployment a: metadata.namespace is prod, but the route and its versions live in default'],
      [yaml(deployment('a')), { routeLabels: { app: 'shop' } }, 'deploy.yaml doc 1: Deployment a: spec.template.metadata.labels: lacks app=shop'],
    ];
    for (const [objects, extra, message] of cases) {
      const error = errorOf(() => templateFromManifests(objects, 'deploy.yaml', { ...options, ...extra }));
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain(message);
    }
  });

  it('names the Deployment and container when asked, and honours matchExpressions', () => {
    const objects = yaml(`${deployment('a')}---\n${deployment('b').replace('selector: { matchLabels: { app: link } }', 'selector: { matchExpressions: [{ key: app, operator: In, values: [link] }] }')}`);
    const t = templateFromManifests(objects, 'deploy.yaml', { ...options, deployment: 'b', container: 'sidecar' });
    expect(t.deployment.metadata.name).toBe('b');
    expect(t.container).toBe('sidecar');
    expect(t.shared.map((s) => s.object.metadata.name)).toEqual(['a']);
  });
});

describe('a version derived from the user\'s Deployment', () => {
  it('changes only the name, the image of the named container and the labels; keeps env, resources, probes and volumes', () => {
    const t = templateFromManifests(sample(), sampleFile, options);
    const [d, ...rest] = deriveVersion(t, { subset: 'v2', image, subsetLabels: { version: 'v2' }, namespace: 'default' }) as [DeploymentObject, ...unknown[]];
    expect(rest).toEqual([]);
    const original = t.deployment;
    expect(d.metadata).toEqual({ name: 'link-v2', namespace: 'default', labels: { app: 'link', version: 'v2', 'app.kubernetes.io/managed-by': 'shipline' } });
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'link', version: 'v2' } });
    expect(d.spec.template.metadata!.labels).toEqual({ app: 'link', version: 'v2' });
    const [before, after] = [original.spec.template.spec.containers[0]!, d.spec.template.spec.containers[0]!];
    expect(after.image).toBe(image);
    expect({ ...after, image: before.image }).toEqual(before);
    const { containers: _c, ...podSpec } = d.spec.template.spec;
    const { containers: _o, ...originalPodSpec } = original.spec.template.spec;
    expect(podSpec).toEqual(originalPodSpec);
    const { selector: _s, template: _t, ...rootSpec } = d.spec;
    const { selector: _os, template: _ot, ...originalRoot } = original.spec;
    expect(rootSpec).toEqual(originalRoot);
    // The user's objects are never changed in place.
    expect(original.spec.template.spec.containers[0]!.image).toBe('127.0.0.1:5000/modco/link:latest');
    expect(podSelector(d)).toBe('app=link,version=v2');
  });

  it('replaces only the named container, scales to a given count, and drops what the API server wrote', () => {
    const objects = yaml(deployment('a', '  replicas: 3\nstatus: { replicas: 3 }').replace(
      'metadata: { name: a }',
      'metadata: { name: a, uid: x, resourceVersion: "7", generation: 2, creationTimestamp: "2024-01-01T00:00:00Z", annotations: { kubectl.kubernetes.io/last-applied-configuration: "{}", team: web } }',
    ));
    const t = templateFromManifests(objects, 'deploy.yaml', { ...options, container: 'sidecar' });
    const [d] = deriveVersion(t, { subset: 'v3', image, subsetLabels: { version: 'v3' }, namespace: 'default', replicas: 0 }) as [DeploymentObject];
    expect(d.spec.template.spec.containers.map((c) => c.image)).toEqual(['modco/link:1', image]);
    expect(d.spec.replicas).toBe(0);
    expect(d.metadata).toEqual({ name: 'a-v3', namespace: 'default', annotations: { team: 'web' }, labels: { version: 'v3', 'app.kubernetes.io/managed-by': 'shipline' } });
    expect(d).not.toHaveProperty('status');
  });

  it('gives an autoscaler of the Deployment one copy per version, pointing at it, and leaves replicas to it', () => {
    const hpa = `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: link }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: link }
  minReplicas: 2
  maxReplicas: 5
  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } } }]
`;
    const objects = [...sample(), ...parseObjects(hpa, 'hpa.yaml')];
    const t = templateFromManifests(objects, sampleFile, options);
    expect(t.shared.map((s) => s.object.kind)).toEqual(['ConfigMap', 'Service']);
    const [d, h] = deriveVersion(t, { subset: 'v2', image, subsetLabels: { version: 'v2' }, namespace: 'default' }) as [DeploymentObject, { metadata: { name: string }; spec: Record<string, unknown> }];
    expect(d.spec.replicas).toBeUndefined();
    expect(h.metadata.name).toBe('link-v2');
    expect(h.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'link-v2' }, minReplicas: 2, maxReplicas: 5 });
  });
});

describe('reading the manifests', () => {
  it('reads files and folders relative to the config, and names the field of a missing path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-manifests-'));
    mkdirSync(join(dir, 'k8s'));
    writeFileSync(join(dir, 'k8s', 'a.yaml'), deployment('a'));
    writeFileSync(join(dir, 'k8s', 'b.yml'), 'apiVersion: v1\nkind: Service\nmetadata: { name: link }\n');
    const objects = await readManifests(['k8s'], dir, 'shipline.yaml');
    expect(objects.map((s) => `${s.file}:${s.object.kind}`)).toEqual(['k8s/a.yaml:Deployment', 'k8s/b.yml:Service']);
    const error = await readManifests(['k8s', 'gone.yaml'], dir, 'shipline.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe('shipline.yaml: rollout.workload.manifests[1]: gone.yaml: no such file or folder');
  });

  it('renders a kustomize folder with kubectl, and says so when kubectl is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-kustomize-'));
    mkdirSync(join(dir, 'base'));
    writeFileSync(join(dir, 'base', 'deploy.yaml'), deployment('a'));
    writeFileSync(join(dir, 'base', 'kustomization.yaml'), 'resources: [deploy.yaml]\nnamePrefix: shop-\n');
    const objects = await readManifests(['base'], dir, 'shipline.yaml');
    expect(objects.map((s) => `${s.file}:${s.object.metadata.name}`)).toEqual(['base (kustomize):shop-a']);
    const error = await readManifests(['base'], dir, 'shipline.yaml', 'kubectl-that-is-not-installed').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe('shipline.yaml: rollout.workload.manifests[0]: base is a kustomize folder, and rendering it needs kubectl, which is not on PATH');
  });
});

describe('the adopted original\'s image', () => {
  it('is pinned by the digest its pods run', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    expect(pinnedImage('127.0.0.1:5000/modco/link:latest', `127.0.0.1:5000/modco/link@${digest}`)).toBe(`127.0.0.1:5000/modco/link@${digest}`);
    expect(pinnedImage('127.0.0.1:5000/modco/link', `sha256:${'d'.repeat(64)}`)).toBe('127.0.0.1:5000/modco/link');
    expect(pinnedImage('modco/link:1', '')).toBe('modco/link:1');
  });
});
