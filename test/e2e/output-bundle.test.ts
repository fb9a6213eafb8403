// `bundle verify` and `bundle inspect` with -o json|yaml|name: every document checked
// against its schema (BundleVerification, BundleInspection), for a signed bundle with
// manifests and docker archives, a differential one, an unsigned one and a plain OCI
// layout tarball. Needs no stack: the images are synthetic OCI layouts.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../pipelines/project-root.js';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { shipline as cli } from '../support/cli.js';
import { expectDocument } from '../support/output-schema.js';

let dir: string;
let image: SyntheticImage;
let v2: SyntheticImage;
const at = (name: string) => join(dir, name);
const shipline = (...args: string[]) => cli(args, { cwd: projectRoot });

async function ok(...args: string[]) {
  const result = await shipline(...args);
  expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

interface Verification {
  format: string;
  signature: { status: string; keyFingerprint?: string };
  differential?: { blobs: number; bundle?: string };
  images: { name: string; digest: string; platforms: { platform: string }[]; dockerArchives: { platform: string }[] }[];
  manifests: { path: string; objects: { kind: string; name: string }[] }[];
  routingApiVersions?: string[];
}

interface Inspection {
  format: string;
  signed: boolean;
  signerKeyFingerprint?: string;
  images: { name: string; digest: string }[];
  manifests: string[];
  routingApiVersions: string[];
  dependsOn?: { bundle?: string; blobs: number };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-output-bundle-'));
  const seed = `output-${Date.now()}`;
  const options = { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 2, layerSize: 64 << 10, seed };
  image = await writeSyntheticOci(at('v1.tar'), options);
  v2 = await writeSyntheticOci(at('v2.tar'), { ...options, layerKey: (p, i) => `${seed}-${p}-${i}${i === 1 ? '-v2' : ''}` });
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(at('release.key'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(at('release.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  mkdirSync(at('manifests'));
  writeFileSync(at('manifests/workload.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: out }\nspec: { template: { spec: { containers: [{ name: app, image: air/out:1 }] } } }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: out, namespace: shop }\n');
  writeFileSync(at('manifests/route.yaml'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: out }\nspec: { hosts: [out], http: [{ route: [{ destination: { host: out } }] }] }\n');
  await ok('bundle', 'create', '--oci', image.file, '--image', 'air/out:1', '--manifests', at('manifests'), '--sign-key', at('release.key'), '--docker-archives', '-o', at('signed.tar.zst'));
  await ok('bundle', 'create', '--oci', v2.file, '--image', 'air/out:2', '--since', at('signed.tar.zst'), '--compress', 'gzip', '-o', at('delta.tar.gz'));
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bundle verify -o', () => {
  it('json: a signed bundle checked with its key, with its images, docker archives and manifests', async () => {
    const result = await ok('bundle', 'verify', at('signed.tar.zst'), '--key', at('release.pub'), '-o', 'json');
    const v = expectDocument<Verification>(JSON.parse(result.stdout), 'BundleVerification');
    expect(v.format).toBe('bundle');
    expect(v.signature).toMatchObject({ status: 'good', keyFingerprint: expect.stringMatching(/^sha256:/) });
    expect(v.images).toMatchObject([{ name: 'air/out:1', digest: image.indexDigest }]);
    expect(v.images[0]!.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(v.images[0]!.dockerArchives.map((a) => a.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(v.manifests).toEqual([
      { path: 'manifests/route.yaml', objects: [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'out' }] },
      { path: 'manifests/workload.yaml', objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'out' }, { apiVersion: 'v1', kind: 'Service', name: 'out', namespace: 'shop' }] },
    ]);
    expect(v.routingApiVersions).toEqual(['networking.istio.io/v1']);
  });

  it('without --key the signature is "not checked"; --json and -o yaml give the same document', async () => {
    const [json, alias, yaml] = await Promise.all(['-o json', '--json', '-o yaml'].map((flags) => ok('bundle', 'verify', at('signed.tar.zst'), ...flags.split(' '))));
    const v = expectDocument<Verification>(JSON.parse(json!.stdout), 'BundleVerification');
    expect(v.signature.status).toBe('not checked');
    expect(alias!.stdout).toBe(json!.stdout);
    expect(expectDocument(parse(yaml!.stdout), 'BundleVerification')).toEqual(v);
  });

  it('a differential bundle names what it leaves out; an OCI layout tarball is unsigned', async () => {
    const delta = expectDocument<Verification>(JSON.parse((await ok('bundle', 'verify', at('delta.tar.gz'), '-o', 'json')).stdout), 'BundleVerification');
    expect(delta.differential).toMatchObject({ bundle: 'signed.tar.zst', blobs: expect.any(Number) });
    expect(delta.signature).toEqual({ status: 'unsigned' });
    const oci = expectDocument<Verification>(JSON.parse((await ok('bundle', 'verify', image.file, '-o', 'json')).stdout), 'BundleVerification');
    expect(oci).toMatchObject({ format: 'oci-layout', signature: { status: 'unsigned' }, manifests: [] });
  });

  it('name: image/ and manifest/ lines; the default text is unchanged', async () => {
    expect((await ok('bundle', 'verify', at('signed.tar.zst'), '-o', 'name')).stdout).toBe('image/air/out:1\nmanifest/manifests/route.yaml\nmanifest/manifests/workload.yaml\n');
    expect((await ok('bundle', 'verify', at('signed.tar.zst'))).stdout).toMatch(/^bundle .*signed\.tar\.zst: made by shipline .* match bundle\.json\n/);
  });
});

describe('bundle inspect -o', () => {
  it('json (and --json): images, manifests, signer; the archive kind is "format"', async () => {
    const [json, alias] = await Promise.all([ok('bundle', 'inspect', at('signed.tar.zst'), '-o', 'json'), ok('bundle', 'inspect', at('signed.tar.zst'), '--json')]);
    expect(alias.stdout).toBe(json.stdout);
    const i = expectDocument<Inspection>(JSON.parse(json.stdout), 'BundleInspection');
    expect(i).toMatchObject({ format: 'bundle', compression: 'zstd', signed: true, images: [{ name: 'air/out:1', digest: image.indexDigest }], manifests: ['manifests/route.yaml', 'manifests/workload.yaml'] });
    expect(i.signerKeyFingerprint).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it('yaml of a differential bundle, and of an OCI layout tarball', async () => {
    const delta = expectDocument<Inspection>(parse((await ok('bundle', 'inspect', at('delta.tar.gz'), '-o', 'yaml')).stdout), 'BundleInspection');
    expect(delta).toMatchObject({ format: 'bundle', compression: 'gzip', signed: false, dependsOn: { bundle: 'signed.tar.zst' } });
    const oci = expectDocument<Inspection>(parse((await ok('bundle', 'inspect', v2.file, '-o', 'yaml')).stdout), 'BundleInspection');
    expect(oci).toMatchObject({ format: 'oci-layout', manifests: [], images: [{ digest: v2.indexDigest }] });
  });

  it('name lists the images and manifests', async () => {
    expect((await ok('bundle', 'inspect', at('signed.tar.zst'), '-o', 'name')).stdout).toBe('image/air/out:1\nmanifest/manifests/route.yaml\nmanifest/manifests/workload.yaml\n');
  });
});
