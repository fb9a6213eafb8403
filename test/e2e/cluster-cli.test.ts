// check, apply and delete as a user runs them: exit codes, messages, nothing changed on errors.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { paths } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';
import { installRoutingCrds } from '../support/routing-crds.js';

const client = KubeClient.load(paths.kubeconfig());
const dir = mkdtempSync(join(tmpdir(), 'shipline-cluster-e2e-'));
const env = { KUBECONFIG: paths.kubeconfig() };

function config(name: string, routing: string, cluster = ''): string {
  const file = join(dir, name);
  writeFileSync(file, `image:\n  repository: 127.0.0.1:5000/e2e/x\n${cluster}routing:\n${routing}`);
  return file;
}

const faultRouting = `  name: faulty
  hosts: [example.com]
  service: my-service
  rules:
    - to: [{ service: my-service }]
      fault: { abort: { percent: 10, status: 500 } }
`;

beforeAll(async () => {
  await installRoutingCrds(client);
});

describe('shipline check', () => {
  it('exits 3 on Istio CRDs alone (no istiod runs on the stack), as a rollout would refuse', async () => {
    const result = await shipline(['check', '--config', config('crds-only.yaml', faultRouting), '--json'], { cwd: dir, env });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('Istio: no istiod runs');
    expect(result.stderr).toContain('routing.implementation: external');
  });

  it('picks Istio v1 on the local cluster when the mesh runs elsewhere, and prints what it serves (exit 0, --json)', async () => {
    const result = await shipline(['check', '--config', config('ok.yaml', `  implementation: external\n${faultRouting}`), '--json'], { cwd: dir, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { choice: { apiVersion: string }; context: string };
    expect(report.choice.apiVersion).toBe('networking.istio.io/v1');
    expect(report.context).toBe('shipline-local');
  });

  it('exits 3 when the config needs what the chosen API cannot carry (fault with Gateway API)', async () => {
    const file = config('gw.yaml', `  api: gateway-api\n${faultRouting}`);
    const result = await shipline(['check', '--config', file], { cwd: dir, env });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('fault injection cannot be expressed in an HTTPRoute');
  });

  it('exits 3 on any kube context but the one the config names', async () => {
    const file = config('ctx.yaml', faultRouting, 'cluster:\n  context: production\n');
    const result = await shipline(['check', '--config', file], { cwd: dir, env });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('kube context is "shipline-local"');
    expect(result.stderr).toContain('allows only "production"');
  });

  it('exits 2 for an invalid routing.api', async () => {
    const result = await shipline(['check', '--config', config('bad.yaml', `  api: linkerd\n${faultRouting}`)], { cwd: dir, env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('bad.yaml: routing.api: "linkerd" must be auto, istio or gateway-api');
  });
});

describe('shipline apply / delete', () => {
  it('applies, shows a diff on a server dry-run without changing, and deletes', async () => {
    const name = `e2e-${randomBytes(4).toString('hex')}`;
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`);
    const applied = await shipline(['apply', '-f', file], { cwd: dir, env });
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`ConfigMap/${name} (${file} doc 1) created`);

    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "2"\n`);
    const preview = await shipline(['apply', '-f', file, '--dry-run=server', '--diff'], { cwd: dir, env });
    expect(preview.exitCode, preview.stderr).toBe(0);
    expect(preview.stdout).toContain('+  a: "2"');
    expect(preview.stdout).toContain('configured (server dry run)');
    const live = await client.get<{ apiVersion: string; kind: string; metadata: { name: string }; data: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } });
    expect(live!.data.a).toBe('1');

    const deleted = await shipline(['delete', '-f', file], { cwd: dir, env });
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('deleted');
  });

  it('exits 2 for files that are not Kubernetes objects, and for a missing file', async () => {
    const file = join(dir, 'notk8s.yaml');
    writeFileSync(file, 'hello: world\n');
    const bad = await shipline(['apply', '-f', file], { cwd: dir, env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('notk8s.yaml: doc 1: not a Kubernetes object, missing apiVersion, kind, metadata.name');
    const missing = await shipline(['apply', '-f', join(dir, 'nope.yaml')], { cwd: dir, env });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('nope.yaml: no such file');
  });
});
