// `shipline init --from deploy.yaml`: a config for an existing manifest that loads, routes
// to the manifest's Service and derives its versions from the manifest's Deployment.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routingConfig } from '../../pipelines/cluster/routing-config.js';
import { parseObjects } from '../../pipelines/cluster/documents.js';
import { loadConfig, projectRoot } from '../../pipelines/config/load.js';
import { rolloutConfig } from '../../pipelines/config/rollout.js';
import { workloadTemplate } from '../../pipelines/rollout/context.js';
import { configFromManifest, imageRepository } from '../../pipelines/rollout/init-from.js';
import { run } from '../../pipelines/adapters/process.js';

const sample = join(projectRoot, 'service/deploy/link.yaml');

describe('shipline init --from', () => {
  it('writes a config for the sample manifest that loads and derives versions from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-init-from-'));
    copyFileSync(sample, join(dir, 'deploy.yaml'));
    const result = await run(['node', join(projectRoot, 'scripts/shipline.mjs'), 'init', '--from', 'deploy.yaml'], { cwd: dir, nothrow: true, timeoutMs: 120_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    const loaded = loadConfig(undefined, dir);
    expect(loaded.config.image.repository).toBe('127.0.0.1:5000/modco/link');
    const routing = routingConfig(loaded).intent!;
    expect(routing).toMatchObject({ name: 'link', namespace: 'default', service: 'link', port: 8080, hosts: ['link.example.com'] });
    const rollout = rolloutConfig(loaded);
    expect(rollout.workload.manifests).toEqual(['deploy.yaml']);
    expect(rollout.gates.http).toMatchObject({ path: '/cgi-bin/healthz' });
    const template = await workloadTemplate(loaded, rollout, routing.namespace, routing.service!, routing.selector);
    expect(template.deployment.metadata.name).toBe('link');
    expect(template.container).toBe('link');
    // Commented like `init`; a second run refuses to overwrite it (exit 2).
    expect(readFileSync(join(dir, 'shipline.yaml'), 'utf8')).toMatch(/ {2}service: link +# the Service in deploy.yaml\n/);
    const again = await run(['node', join(projectRoot, 'scripts/shipline.mjs'), 'init', '--from', 'deploy.yaml'], { cwd: dir, nothrow: true, timeoutMs: 120_000 });
    expect(again.exitCode).toBe(2);
  }, 120_000);

  it('names the Deployment and container when there are several, and keeps a Service selector other than app=<service>', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: { name: shop-api, namespace: shop }
spec:
  selector: { matchLabels: { tier: api } }
  template:
    metadata: { labels: { tier: api, team: a } }
    spec:
      containers:
        - { name: proxy, image: "envoy:1" }
        - { name: api, image: "registry.example:5000/shop/api:1.4@sha256:${'b'.repeat(64)}", ports: [{ containerPort: 9000 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: worker, namespace: shop }
spec:
  selector: { matchLabels: { tier: worker } }
  template:
    metadata: { labels: { tier: worker } }
    spec: { containers: [{ name: w, image: "shop/worker:1" }] }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec:
  selector: { tier: api }
  ports: [{ port: 80, targetPort: 9000 }]
`;
    const out = configFromManifest(parseObjects(text, 'k8s.yaml'), 'k8s.yaml', { manifestPath: 'k8s.yaml', deployment: 'shop-api', container: 'api' });
    expect(out).toContain('  repository: registry.example:5000/shop/api ');
    expect(out).toMatch(/routing:\n {2}name: api +# the VirtualService/);
    expect(out).toContain('  namespace: shop');
    expect(out).toContain('  port: 80\n');
    expect(out).toMatch(/ {2}selector: \{"tier":"api"\} +# the labels/);
    expect(out).toMatch(/ {4}deployment: shop-api +#/);
    expect(out).toMatch(/ {4}container: api +#/);
    expect(out).toContain('# http: { path: /healthz');
    const dir = mkdtempSync(join(tmpdir(), 'shipline-init-from-'));
    writeFileSync(join(dir, 'shipline.yaml'), out);
    const loaded = loadConfig(undefined, dir);
    expect(routingConfig(loaded).intent).toMatchObject({ service: 'api', selector: { tier: 'api' }, port: 80 });
    expect(() => configFromManifest(parseObjects(text, 'k8s.yaml'), 'k8s.yaml', { manifestPath: 'k8s.yaml' })).toThrow(/rollout.workload.deployment: missing; k8s.yaml hold 2 Deployments/);
  });

  it('strips tag and digest from the image', () => {
    expect(imageRepository('127.0.0.1:5000/modco/link:1.2@sha256:abc')).toBe('127.0.0.1:5000/modco/link');
    expect(imageRepository('nginx')).toBe('nginx');
    expect(imageRepository('host:5000/a/b')).toBe('host:5000/a/b');
  });
});
