// Done-when for air-gapped releases: a real two-platform buildx build → bundle create →
// verify → import into a second registry instance (the "air-gapped" one) → server-side
// apply to the real kube-apiserver with image references pinned to that registry.
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngine, inspectImage, loadImage, removeImage } from '../../pipelines/adapters/docker.js';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { run } from '../../pipelines/adapters/process.js';
import { RegistryClient, type ImageIndex } from '../../pipelines/adapters/registry.js';
import type { BundleJson } from '../../pipelines/bundle/bundle-json.js';
import { baseImageRef, builderName, paths } from '../../pipelines/stack/layout.js';
import { shipline, type ImportJson } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';

const nonce = randomBytes(4).toString('hex');
const name = `modco/link:${nonce}`;
const deployment = `bundle-e2e-${nonce}`;
let dir: string;
let airgap: RegistryInstance;
const ociTar = () => join(dir, 'link.tar');
const bundleFile = () => join(dir, 'link.bundle.tar');
const kube = () => KubeClient.load(paths.kubeconfig());
const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: deployment, namespace: 'default' } };
const serviceRef = { apiVersion: 'v1', kind: 'Service', metadata: { name: deployment, namespace: 'default' } };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-bundle-'));
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${baseImageRef}\nARG NONCE\nRUN uname -m > /arch.txt && echo "$NONCE" > /nonce.txt\n`);
  await run(
    ['docker', 'buildx', 'build', '--builder', builderName, '--platform', 'linux/amd64,linux/arm64', '--build-arg', `NONCE=${nonce}`, '--output', `type=oci,dest=${ociTar()}`, dir],
    { timeoutMs: 600_000 },
  );
  mkdirSync(join(dir, 'manifests'));
  writeFileSync(
    join(dir, 'manifests', 'workload.yaml'),
    [
      '# the sample service',
      'apiVersion: apps/v1',
      'kind: Deployment',
      `metadata: { name: ${deployment} }`,
      'spec:',
      `  selector: { matchLabels: { app: ${deployment} } }`,
      '  template:',
      `    metadata: { labels: { app: ${deployment}, version: v1 } }`,
      '    spec:',
      '      containers:',
      '        - name: link',
      `          image: ${name}  # rewritten on import`,
      '---',
      'apiVersion: v1',
      'kind: Service',
      `metadata: { name: ${deployment} }`,
      `spec: { selector: { app: ${deployment} }, ports: [{ port: 80, targetPort: 8080 }] }`,
      '',
    ].join('\n'),
  );
  airgap = await RegistryInstance.start();
});

afterAll(async () => {
  await kube().delete(deploymentRef).catch(() => undefined);
  await kube().delete(serviceRef).catch(() => undefined);
  await removeImage(await dockerEngine(), name).catch(() => undefined);
  await airgap?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('air-gapped bundle from a real build', () => {
  let bundle: BundleJson;

  it('creates one bundle with the OCI layout, the manifests, docker archives and bundle.json', async () => {
    const created = await shipline(['bundle', 'create', '--oci', ociTar(), '--image', name, '--manifests', join(dir, 'manifests'), '-o', bundleFile(), '--docker-archives', '--json', '--compress', 'none']);
    expect(created.exitCode, created.stderr).toBe(0);
    bundle = JSON.parse(created.stdout) as BundleJson;
    expect(bundle.tool.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(bundle.images).toHaveLength(1);
    expect(bundle.images[0]!.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(bundle.manifests).toEqual(['manifests/workload.yaml']);
    expect(Object.keys(bundle.files)).toEqual(expect.arrayContaining(['oci/index.json', 'manifests/workload.yaml', `oci/blobs/sha256/${bundle.images[0]!.digest.slice(7)}`]));
  });

  it('verifies offline and prints what is inside', async () => {
    const verified = await shipline(['bundle', 'verify', bundleFile()]);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`image ${name} ${bundle.images[0]!.digest}`);
    expect(verified.stdout).toMatch(/linux\/arm64\s+sha256:/);
    expect(verified.stdout).toContain(`manifest manifests/workload.yaml: Deployment/${deployment}, Service/${deployment}`);
  });

  it('holds a docker-load-able archive per platform that the real dockerd loads', async () => {
    const { readTar } = await import('../support/tar.js');
    const files = await readTar(bundleFile());
    const archive = bundle.images[0]!.dockerArchives.find((a) => a.platform === 'linux/arm64')!;
    const docker = await dockerEngine();
    const tmp = join(dir, 'arm64.docker.tar');
    writeFileSync(tmp, files.get(archive.path)!);
    await loadImage(docker, createReadStream(tmp));
    expect((await inspectImage(docker, name)).platform).toBe('linux/arm64');
  });

  it('imports into the air-gapped registry and applies the manifests with pinned references', async () => {
    const imported = await shipline(['bundle', 'import', bundleFile(), '--registry', airgap.address, '--apply', '--kubeconfig', paths.kubeconfig(), '--namespace', 'default', '--json']);
    expect(imported.exitCode, imported.stderr).toBe(0);
    const result = JSON.parse(imported.stdout) as ImportJson;
    const digest = bundle.images[0]!.digest;
    expect(result.stats.tagsWritten).toBe(1);
    expect(result.applied).toEqual([`Service/default/${deployment}`, `Deployment/default/${deployment}`]);

    const registry = new RegistryClient(airgap.address);
    const index = await registry.manifest<ImageIndex>('modco/link', nonce);
    expect(index?.digest).toBe(digest);
    expect(index!.body.manifests.map((m) => m.digest)).toEqual(expect.arrayContaining(bundle.images[0]!.platforms.map((p) => p.digest)));

    const live = await kube().get<{ apiVersion: string; kind: string; metadata: { name: string; managedFields?: { manager: string }[] }; spec: { template: { spec: { containers: { image: string }[] } } } }>(deploymentRef);
    expect(live!.spec.template.spec.containers[0]!.image).toBe(`${airgap.address}/modco/link@${digest}`);
    expect(live!.metadata.managedFields?.map((f) => f.manager)).toContain('shipline');
  });

  it('--apply does not take fields owned by another manager (exit 3, nothing changed) unless --force-conflicts', async () => {
    type Live = KubeObject & { spec: { template: { spec: { containers: { name: string; image: string }[] } } } };
    const client = kube();
    const other = 'someone/else:1';
    await client.apply(
      { ...deploymentRef, spec: { selector: { matchLabels: { app: deployment } }, template: { metadata: { labels: { app: deployment, version: 'v1' } }, spec: { containers: [{ name: 'link', image: other }] } } } },
      { fieldManager: 'another-team', force: true },
    );
    const refused = await shipline(['bundle', 'import', bundleFile(), '--registry', airgap.address, '--apply', '--kubeconfig', paths.kubeconfig(), '--namespace', 'default']);
    expect(refused.exitCode, refused.stderr).toBe(3);
    expect(refused.stderr).toContain('fields owned by another manager');
    expect(refused.stderr).toContain('--force-conflicts');
    expect((await kube().get<Live>(deploymentRef))!.spec.template.spec.containers[0]!.image).toBe(other);

    const forced = await shipline(['bundle', 'import', bundleFile(), '--registry', airgap.address, '--apply', '--force-conflicts', '--kubeconfig', paths.kubeconfig(), '--namespace', 'default']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect((await kube().get<Live>(deploymentRef))!.spec.template.spec.containers[0]!.image).toBe(`${airgap.address}/modco/link@${bundle.images[0]!.digest}`);
  });

  it('a second import finds everything present and uploads nothing', async () => {
    const again = await shipline(['bundle', 'import', bundleFile(), '--registry', airgap.address, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout) as ImportJson;
    expect(result.stats.blobsUploaded).toBe(0);
    expect(result.stats.tagsWritten).toBe(0);
    expect(again.stderr).toContain('already present');
  });

  it('imports the plain buildx OCI tarball with --image, mounting blobs it already has in another repository', async () => {
    const plain = await shipline(['bundle', 'import', ociTar(), '--image', `site/link:${nonce}`, '--registry', airgap.address, '--mount-from', 'modco/link', '--json']);
    expect(plain.exitCode, plain.stderr).toBe(0);
    const result = JSON.parse(plain.stdout) as ImportJson;
    expect(result.stats.blobsUploaded).toBe(0);
    expect(result.stats.blobsMounted).toBeGreaterThan(0);
    expect(await new RegistryClient(airgap.address).manifestDigest('site/link', nonce)).toBe(bundle.images[0]!.digest);
  });

  it('refuses a plain OCI tarball without --image (exit 2)', async () => {
    const res = await shipline(['bundle', 'import', ociTar(), '--registry', airgap.address]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('--image REPOSITORY:TAG');
  });
});
