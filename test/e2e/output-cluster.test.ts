// check, apply, diff, delete and rollout status with -o json|yaml|name against the local
// stack's kube-apiserver: every document checked against its schema (RoutingCheck,
// ApplyResult, DiffResult, DeleteResult, RolloutStatus), names as kubectl prints them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { saveRelease } from '../../pipelines/rollout/history.js';
import { paths } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';
import { expectDocument } from '../support/output-schema.js';
import { installRoutingCrds } from '../support/routing-crds.js';

const client = KubeClient.load(paths.kubeconfig());
const dir = mkdtempSync(join(tmpdir(), 'shipline-output-cluster-'));
const env = { KUBECONFIG: paths.kubeconfig() };
const id = randomBytes(4).toString('hex');
const ns = `out-${id}`;
const route = `route-${id}`;
const service = `svc-${id}`;
const at = (name: string) => join(dir, name);
const run = (args: string[], input?: string) => shipline([...args, '--config', at('shipline.yaml')], { cwd: dir, env, input });

interface Item { kind: string; name: string; namespace?: string; action: string; diff?: string; unchecked?: string }
interface Result { dryRun?: boolean; changed?: boolean; items: Item[] }
const summary = (r: Result) => r.items.map((i) => `${i.kind}/${i.name} ${i.action}`);

writeFileSync(at('shipline.yaml'), `image:
  repository: 127.0.0.1:5000/e2e/out
cluster:
  namespace: ${ns}
routing:
  api: istio
  # No istiod runs on the stack: the Istio CRDs are taken on trust (this file tests output formats).
  implementation: external
  name: ${route}
  namespace: ${ns}
  hosts: [${route}.example.com]
  service: ${service}
  port: 80
  subsets:
    v1: { version: v1 }
    v2: { version: v2 }
  rules:
    - to:
        - { subset: v1, weight: 80 }
        - { subset: v2, weight: 20 }
`);
// replicas: 0, so that nothing waits for pods.
writeFileSync(at('base.yaml'), `apiVersion: v1
kind: Namespace
metadata: { name: ${ns} }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${service}-v1, namespace: ${ns}, labels: { app: ${service}, version: v1 } }
spec:
  replicas: 0
  selector: { matchLabels: { app: ${service}, version: v1 } }
  template:
    metadata: { labels: { app: ${service}, version: v1 } }
    spec: { containers: [{ name: app, image: 127.0.0.1:5000/e2e/out:v1 }] }
`);

beforeAll(async () => {
  await installRoutingCrds(client);
});

afterAll(async () => {
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
});

describe('check -o', () => {
  it('json, yaml and name describe the same RoutingCheck', async () => {
    const [json, yaml, name] = await Promise.all(['json', 'yaml', 'name'].map((format) => run(['check', '-o', format])));
    expect(json!.exitCode, json!.stderr).toBe(0);
    const doc = expectDocument<{ choice: { apiVersion: string }; namespace: string; implementation: { gatewayClasses: { name: string }[]; gateways: { name: string }[] } }>(JSON.parse(json!.stdout), 'RoutingCheck');
    expect(doc.choice.apiVersion).toBe('networking.istio.io/v1');
    expect(doc.namespace).toBe(ns);
    expect(expectDocument(parse(yaml!.stdout), 'RoutingCheck')).toEqual(doc);
    const names = [...doc.implementation.gatewayClasses.map((c) => `gatewayclass.gateway.networking.k8s.io/${c.name}`), ...doc.implementation.gateways.map((g) => `gateway.gateway.networking.k8s.io/${g.name}`)];
    expect(name!.stdout).toBe(names.map((n) => `${n}\n`).join(''));
  });
});

describe('apply, diff and delete -o', () => {
  it('diff -o json before the first apply: everything would be created (exit 1)', async () => {
    const diff = await run(['diff', '-f', at('base.yaml'), '-o', 'json']);
    expect(diff.exitCode, diff.stderr).toBe(1);
    const doc = expectDocument<Result>(JSON.parse(diff.stdout), 'DiffResult');
    expect(doc.changed).toBe(true);
    expect(summary(doc)).toEqual(['Namespace/' + ns + ' created', `Deployment/${service}-v1 created`]);
    expect(doc.items.every((i) => i.diff?.includes('+++ applied/'))).toBe(true);
  });

  it('apply --dry-run=server -o json changes nothing and says what the server could not check yet', async () => {
    const dry = await run(['apply', '-f', at('base.yaml'), '--dry-run=server', '-o', 'json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const doc = expectDocument<Result>(JSON.parse(dry.stdout), 'ApplyResult');
    expect(doc.dryRun).toBe(true);
    expect(doc.items.find((i) => i.kind === 'Deployment')?.unchecked).toEqual(expect.any(String));
    expect(await client.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).toBeUndefined();
  });

  it('apply --dry-run=client -o json: every object checked here, none sent', async () => {
    const dry = await run(['apply', '-f', at('base.yaml'), '--dry-run=client', '-o', 'json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const doc = expectDocument<Result>(JSON.parse(dry.stdout), 'ApplyResult');
    expect(doc.dryRun).toBe(true);
    expect(summary(doc)).toEqual([`Namespace/${ns} checked`, `Deployment/${service}-v1 checked`]);
  });

  it('apply -o json creates; -o name prints kubectl names; diff afterwards finds nothing (exit 0)', async () => {
    const applied = await run(['apply', '-f', at('base.yaml'), '-o', 'json']);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const doc = expectDocument<Result>(JSON.parse(applied.stdout), 'ApplyResult');
    expect(doc.dryRun).toBe(false);
    expect(summary(doc)).toEqual([`Namespace/${ns} created`, `Deployment/${service}-v1 created`]);
    expect(doc.items[1]).toMatchObject({ namespace: ns, file: at('base.yaml'), document: 2 });

    const again = await run(['apply', '-f', at('base.yaml'), '-o', 'name']);
    expect(again.stdout).toBe(`namespace/${ns}\ndeployment.apps/${service}-v1\n`);

    const diff = await run(['diff', '-f', at('base.yaml'), '--json']);
    expect(diff.exitCode, diff.stderr).toBe(0);
    const unchanged = expectDocument<Result>(JSON.parse(diff.stdout), 'DiffResult');
    expect(unchanged.changed).toBe(false);
    expect(summary(unchanged)).toEqual([`Namespace/${ns} unchanged`, `Deployment/${service}-v1 unchanged`]);
    expect((await run(['diff', '-f', at('base.yaml'), '-o', 'name'])).stdout).toBe('');
  });

  it('render -o json | apply -f - -o yaml: the ManifestList is applied object by object', async () => {
    const rendered = await run(['render', '-o', 'json']);
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    writeFileSync(at('route.json'), rendered.stdout);
    const applied = await run(['apply', '-f', '-', '-o', 'yaml'], rendered.stdout);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const doc = expectDocument<Result>(parse(applied.stdout), 'ApplyResult');
    expect(summary(doc)).toEqual([`DestinationRule/${service} created`, `VirtualService/${route} created`]);
    expect(doc.items.map((i) => i.namespace)).toEqual([ns, ns]);
  });
});

describe('rollout status -o', () => {
  beforeAll(async () => {
    const now = new Date().toISOString();
    const release = { revision: 1, route, subset: 'v2', image: '127.0.0.1:5000/e2e/out@sha256:' + 'a'.repeat(64), strategy: 'canary', state: 'progressing' as const, previous: 'v1', step: 1, stepLabel: '20%', createdAt: now, updatedAt: now };
    await saveRelease(client, ns, { release, manifests: '' }, 'shipline-e2e');
  });

  it('json and yaml: the release, live weights and versions as a RolloutStatus', async () => {
    const [json, yaml] = await Promise.all([run(['rollout', 'status', '-o', 'json']), run(['rollout', 'status', '-o', 'yaml'])]);
    expect(json.exitCode, json.stderr).toBe(0);
    const doc = expectDocument<{ route: string; api: string; current: { revision: number; subset: string }; weights: unknown[]; versions: { name: string; replicas: number }[] }>(JSON.parse(json.stdout), 'RolloutStatus');
    expect(doc).toMatchObject({ route, api: 'networking.istio.io/v1', current: { revision: 1, subset: 'v2', state: 'progressing' } });
    expect(doc.weights).toEqual([{ rule: 0, destination: 'v1', weight: 80 }, { rule: 0, destination: 'v2', weight: 20 }]);
    expect(doc.versions).toEqual([{ name: `${service}-v1`, replicas: 0, ready: 0, image: '127.0.0.1:5000/e2e/out:v1' }]);
    expect(expectDocument(parse(yaml.stdout), 'RolloutStatus')).toEqual(doc);
  });

  it('name: the route and the versions\' Deployments', async () => {
    const name = await run(['rollout', 'status', '-o', 'name']);
    expect(name.exitCode, name.stderr).toBe(0);
    expect(name.stdout).toBe(`virtualservice.networking.istio.io/${route}\ndeployment.apps/${service}-v1\n`);
  });

  it('--watch -o json: one RolloutStatus per line, with observedAt and traffic; --watch -o yaml exits 2', async () => {
    const watched = await run(['rollout', 'status', '--watch', '-o', 'json', '--times', '2', '--interval', '1s', '--window', '5s']);
    expect(watched.exitCode, watched.stderr).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const doc = expectDocument<{ observedAt: string; traffic: { versions: unknown[] } }>(JSON.parse(line), 'RolloutStatus');
      expect(Date.parse(doc.observedAt)).not.toBeNaN();
      expect(doc.traffic.versions.length).toBeGreaterThan(0);
    }
    const yaml = await run(['rollout', 'status', '--watch', '-o', 'yaml']);
    expect(yaml.exitCode).toBe(2);
    expect(yaml.stderr).toContain('--watch -o yaml');
  });
});

describe('delete -o json', () => {
  it('deletes in reverse order and reports each object', async () => {
    const deleted = await run(['delete', '-f', at('base.yaml'), '-f', at('route.json'), '-o', 'json']);
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    const doc = expectDocument<Result>(JSON.parse(deleted.stdout), 'DeleteResult');
    expect(summary(doc)).toEqual([`VirtualService/${route} deleted`, `DestinationRule/${service} deleted`, `Deployment/${service}-v1 deleted`, `Namespace/${ns} deleted`]);
    expect(doc.items.find((i) => i.kind === 'Namespace')?.namespace).toBeUndefined();
  });
});
