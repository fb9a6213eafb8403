// Pure parts of bundles: references, manifest rewriting, tar entry safety, bundle and push plans.
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../pipelines/adapters/registry.js';
import { applyOrder } from '../../pipelines/bundle/apply.js';
import { parseBundleJson, serializeBundleJson } from '../../pipelines/bundle/bundle-json.js';
import { archiveSize, dockerArchiveEntries } from '../../pipelines/bundle/docker-archive.js';
import { kubeObjects, rewriteImages, routingApiVersionsOf } from '../../pipelines/bundle/manifest-docs.js';
import type { LayoutImage } from '../../pipelines/bundle/oci-layout.js';
import { planBundle } from '../../pipelines/bundle/plan.js';
import { planPush } from '../../pipelines/bundle/push-plan.js';
import { parseImageName, parseImageRef } from '../../pipelines/model/image-ref.js';
import { unsafeReason } from '../../pipelines/bundle/tar-safety.js';
import { InputError } from '../../pipelines/errors.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

function image(config: string, layers: string[]): LayoutImage {
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d(config), size: 10 },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d(l), size: 100 })),
  }));
  const child = { descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length }, raw: manifest };
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ ...child.descriptor, platform: { os: 'linux', architecture: 'amd64' } }] }));
  return {
    root: { descriptor: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256(index), size: index.length }, raw: index },
    children: [child],
    blobs: [{ mediaType: 'c', digest: d(config), size: 10 }, ...layers.map((l) => ({ mediaType: 'l', digest: d(l), size: 100 }))],
    platforms: [{ platform: 'linux/amd64', digest: child.descriptor.digest, mediaType: child.descriptor.mediaType, size: manifest.length }],
  };
}

describe('image references', () => {
  it('parses registries, ports, tags, digests and Docker Hub short names', () => {
    expect(parseImageRef('127.0.0.1:5000/modco/link:20240126')).toEqual({ registry: '127.0.0.1:5000', repository: 'modco/link', tag: '20240126', digest: undefined });
    expect(parseImageRef(`modco/link@${d('a')}`)).toEqual({ registry: undefined, repository: 'modco/link', tag: undefined, digest: d('a') });
    expect(parseImageRef('docker.io/nginx')?.repository).toBe('library/nginx');
    expect(parseImageRef('Modco/Link:1')).toBeUndefined();
    expect(() => parseImageName('modco/link', '--image')).toThrow(InputError);
  });
});

describe('rewriting image references in manifests', () => {
  const yaml = ['# keep me', 'kind: Deployment', 'apiVersion: apps/v1', 'metadata: { name: web }', 'spec:', '  template:', '    spec:',
    '      initContainers: [{ name: init, image: "busybox:1" }]', '      containers:', '        - name: a', '          image: registry.old:5000/modco/link:v1 # pinned', '        - name: b', `          image: modco/link@${d('b')}`, ''].join('\n');
  const targets = [{ repository: 'modco/link', tag: 'v1', digests: [d('a'), d('b')], pinned: `site:5001/modco/link@${d('a')}` }];

  it('pins matching containers to the private registry by digest, keeping everything else byte for byte', () => {
    const out = rewriteImages('w.yaml', yaml, targets);
    expect(out.rewrites.map((r) => r.path)).toEqual(['spec.template.spec.containers[0].image', 'spec.template.spec.containers[1].image']);
    expect(out.unmatched).toEqual([{ file: 'w.yaml', path: 'spec.template.spec.initContainers[0].image', from: 'busybox:1', to: 'busybox:1' }]);
    expect(out.text).toBe(yaml.replace('registry.old:5000/modco/link:v1', targets[0]!.pinned).replace(`modco/link@${d('b')}`, targets[0]!.pinned));
  });

  it('finds the routing API versions the manifests assume', () => {
    const objects = kubeObjects('r.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n');
    expect(routingApiVersionsOf(objects)).toEqual(['networking.istio.io/v1']);
    expect(() => kubeObjects('bad.yaml', 'kind: [')).toThrow(/bad\.yaml:\d+:\d+/);
  });
});

describe('tar entry safety', () => {
  it('rejects absolute paths, `..`, escaping links and device files; accepts links that stay inside', () => {
    expect(unsafeReason({ name: '/etc/passwd', type: 'file' })).toMatch(/absolute/);
    expect(unsafeReason({ name: 'oci/../../x', type: 'file' })).toMatch(/`\.\.`/);
    expect(unsafeReason({ name: 'oci/a', type: 'symlink', linkname: '../../etc' })).toMatch(/outside/);
    expect(unsafeReason({ name: 'oci/a', type: 'symlink', linkname: '/etc' })).toMatch(/absolute/);
    expect(unsafeReason({ name: 'a', type: 'hardlink', linkname: '../b' })).toMatch(/outside/);
    expect(unsafeReason({ name: 'dev', type: 'other' })).toMatch(/device/);
    expect(unsafeReason({ name: 'oci/a/b', type: 'symlink', linkname: '../c' })).toBeUndefined();
    expect(unsafeReason({ name: './oci/index.json', type: 'file' })).toBeUndefined();
  });
});

describe('bundle plan', () => {
  const input = {
    images: [{ name: 'modco/link:1', source: 'a.tar', image: image('c', ['1', '2']) }, { name: 'modco/admin:1', source: 'b.tar', image: image('e', ['1', '3']) }],
    manifests: [{ name: 'deploy.yaml', content: Buffer.from('kind: Deployment\n') }],
    routingApiVersions: ['networking.istio.io/v1', 'networking.istio.io/v1'],
    toolVersion: '0.1.0',
    dockerArchives: true,
  };

  it('stores shared blobs once, lists every file with its sha256, and round-trips bundle.json through its schema', () => {
    const plan = planBundle(input);
    const paths = plan.entries.map((e) => e.path);
    expect(paths.filter((p) => p === `oci/blobs/sha256/${'1'.repeat(64)}`)).toHaveLength(1);
    expect(plan.bundle.images.map((i) => [i.repository, i.tag])).toEqual([['modco/link', '1'], ['modco/admin', '1']]);
    expect(plan.bundle.routingApiVersions).toEqual(['networking.istio.io/v1']);
    expect(plan.bundle.files['manifests/deploy.yaml']).toEqual({ sha256: sha256(Buffer.from('kind: Deployment\n')), size: 17 });
    expect(plan.bundle.files[`oci/blobs/sha256/${'2'.repeat(64)}`]!.sha256).toBe(d('2'));
    expect(paths).toContain('docker/modco_link_1.linux-amd64.docker.tar');
    expect(parseBundleJson(serializeBundleJson(plan.bundle), 'b.tar')).toEqual(plan.bundle);
  });

  it('reports every bundle.json field problem with its path', () => {
    const bad = { ...planBundle(input).bundle, images: [{ name: 'x', digest: 'sha256:nope' }] };
    expect(() => parseBundleJson(Buffer.from(JSON.stringify(bad)), 'b.tar')).toThrow(/bundle\.json: images\.0\.digest: must be sha256/);
  });

  it('sizes docker archives exactly as tar-stream writes them', () => {
    const manifest = JSON.parse(image('c', ['1']).children[0]!.raw.toString('utf8'));
    const entries = dockerArchiveEntries('modco/link:1', manifest);
    expect(entries.map((e) => e.path)).toEqual(['manifest.json', `blobs/sha256/${'c'.repeat(64)}`, `blobs/sha256/${'1'.repeat(64)}`]);
    expect(archiveSize(entries)).toBe(3 * 512 + 512 + 512 + 512 + 1024);
  });
});

describe('push plan', () => {
  it('uploads each blob once with every repository that needs it, children before tags, largest first', () => {
    const plan = planPush([
      { repository: 'modco/link', tag: '1', image: image('c', ['1', '2']), layout: 'oci' },
      { repository: 'modco/admin', tag: '1', image: image('e', ['1']), layout: 'oci' },
    ]);
    expect(plan.blobs.find((b) => b.digest === d('1'))).toMatchObject({ repositories: ['modco/link', 'modco/admin'], path: `oci/blobs/sha256/${'1'.repeat(64)}` });
    expect(plan.blobs[0]!.size).toBe(100);
    expect(plan.manifests).toHaveLength(2);
    expect(plan.tags.map((t) => `${t.repository}:${t.reference}`)).toEqual(['modco/link:1', 'modco/admin:1']);
  });

  it('applies namespaces and CRDs before workloads, and routing last', () => {
    const kinds = applyOrder([{ kind: 'VirtualService' }, { kind: 'Deployment' }, { kind: 'Namespace' }, { kind: 'Service' }]).map((o) => o.kind);
    expect(kinds).toEqual(['Namespace', 'Service', 'Deployment', 'VirtualService']);
  });
});

describe('differential bundles', () => {
  it('leave out the blobs the site has, list them in bundle.json base, and import expects them at the site', async () => {
    const { planBase } = await import('../../pipelines/bundle/differential.js');
    const img = image('c', ['1', '2', '3']);
    const base = planBase({ bundle: 'old.bundle.tar', has: new Map([[d('1'), 100], [d('2'), 100], [d('9'), 5]]) }, [{ name: 'modco/link:2', source: 'x.tar', image: img }]);
    expect(base).toEqual({ bundle: 'old.bundle.tar', blobs: [{ digest: d('1'), size: 100 }, { digest: d('2'), size: 100 }] });
    const plan = planBundle({ images: [{ name: 'modco/link:2', source: 'x.tar', image: img }], manifests: [], routingApiVersions: [], toolVersion: '0.1.0', dockerArchives: false, base });
    const paths = plan.entries.map((e) => e.path);
    expect(paths).toContain(`oci/blobs/sha256/${'3'.repeat(64)}`);
    expect(paths).not.toContain(`oci/blobs/sha256/${'1'.repeat(64)}`);
    expect(plan.bundle.base).toEqual(base);
    expect(parseBundleJson(serializeBundleJson(plan.bundle), 'b').base).toEqual(base);
    const push = planPush([{ repository: 'modco/link', tag: '2', image: img, layout: 'oci' }], new Set(base.blobs.map((b) => b.digest)));
    expect(push.atSite.map((b) => b.digest).sort()).toEqual([d('1'), d('2')]);
    expect(push.blobs.map((b) => b.digest).sort()).toEqual([d('3'), d('c')]);
  });
});
