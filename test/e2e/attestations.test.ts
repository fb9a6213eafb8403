// SBOM and provenance from build to site, on the real stack: ONE build with both on (the
// stack's own scanner image, syft), reused by every assertion: what BuildKit attached to the
// pushed index, the signed bundle made of it, `bundle inspect --sbom/--provenance`, and the
// site registry after `bundle import`.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { RegistryClient, type ImageIndex, type ImageManifest } from '../../pipelines/adapters/registry.js';
import { tarLayoutReader } from '../../pipelines/bundle/layout-source.js';
import { openArchive } from '../../pipelines/bundle/open.js';
import { registryAddress, sbomScannerRef } from '../../pipelines/stack/layout.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { editTar } from '../bundle-fixtures/tar-edit.js';
import { buildFixture } from '../support/build-fixture.js';
import { shipline } from '../support/cli.js';
import { expectDocument } from '../support/output-schema.js';

type Annotated = ImageIndex['manifests'][number] & { annotations?: Record<string, string> };
interface Statement { predicateType: string; predicate: Record<string, unknown> }

const repoPath = `e2e/attest-${randomBytes(3).toString('hex')}`;
const tag = 'attest1';
// A remote with a credential in it: provenance must name the source without it.
const secretToken = `s3cret-${randomBytes(6).toString('hex')}`;
const remote = `https://ci-user:${secretToken}@git.example/acme/link.git`;
const stack = new RegistryClient(registryAddress);
// A new image each run (RUN writes it), so BuildKit scans it anew instead of reusing a cached scan.
const mark = `attested-${randomBytes(4).toString('hex')}`;

let dir: string;
let revision: string;
let indexDigest: string;
let index: ImageIndex;
let site: RegistryInstance;
const bundleFile = () => join(dir, 'link.bundle.tar');
const key = () => join(dir, 'release.key');
const pub = () => join(dir, 'release.pub');

/** Each platform's attestation manifest in the pushed index, with its statements. */
const attestations = new Map<string, { digest: string; manifest: ImageManifest; statements: Statement[] }>();
/** The bundle's attestation manifests (from the OCI tarball shipline wrote from the pushed index). */
const bundled = new Map<string, { digest: string; manifest: ImageManifest; subject: string }>();

/** platform → attestation manifest digest and the platform manifest it describes, from an index. */
function attestationEntries(idx: ImageIndex): Map<string, { digest: string; subject: string }> {
  const entries = idx.manifests as Annotated[];
  const out = new Map<string, { digest: string; subject: string }>();
  for (const entry of entries) {
    if (entry.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest') continue;
    const subject = entry.annotations['vnd.docker.reference.digest']!;
    const platform = entries.find((m) => m.digest === subject)!.platform!;
    out.set(`${platform.os}/${platform.architecture}`, { digest: entry.digest, subject });
  }
  return out;
}

async function git(...args: string[]): Promise<string> {
  return (await run(['git', ...args], { cwd: dir, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } })).stdout.trim();
}

beforeAll(async () => {
  const fixture = buildFixture(repoPath, {
    image: { dockerfile: 'Dockerfile.musl', platforms: ['linux/amd64', 'linux/arm64'], tag, buildArgs: { MARK: mark } },
    builder: { name: 'shipline-local' },
    attest: { sbom: true, provenance: true, scanner: sbomScannerRef },
    output: { push: true, oci: 'image.tar' },
  });
  dir = fixture.dir;
  await git('init', '-q', '-b', 'main');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'release');
  await git('remote', 'add', 'origin', remote);
  revision = await git('rev-parse', 'HEAD');

  const built = await shipline(['build', '--json'], { cwd: dir });
  expect(built.exitCode, built.stderr).toBe(0);
  const result = JSON.parse(built.stdout) as { indexDigest: string; attestations: { sbom: boolean; provenance: boolean; scans: number; sbomSeconds: number } };
  indexDigest = result.indexDigest;
  // The build result says what the attestations cost: a scan per platform.
  expect(result.attestations).toMatchObject({ sbom: true, provenance: true, scans: 2 });
  expect(result.attestations.sbomSeconds).toBeGreaterThan(0);
  index = (await stack.manifest<ImageIndex>(repoPath, indexDigest))!.body;
  for (const [platform, { digest }] of attestationEntries(index)) {
    const manifest = (await stack.manifest<ImageManifest>(repoPath, digest))!.body;
    const statements = await Promise.all(
      manifest.layers.map(async (l) => JSON.parse((await stack.blob(repoPath, l.digest)).toString('utf8')) as Statement),
    );
    attestations.set(platform, { digest, manifest, statements });
  }

  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(key(), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub(), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  const created = await shipline(['bundle', 'create', '--oci', join(dir, 'image.tar'), '--image', `${repoPath}:${tag}`,
    '--sign-key', key(), '--compress', 'none', '-o', bundleFile()]);
  expect(created.exitCode, created.stderr).toBe(0);
  const archive = await openArchive(bundleFile());
  const image = archive.images[0]!.image;
  for (const [platform, { digest, subject }] of attestationEntries(JSON.parse(image.root.raw.toString('utf8')) as ImageIndex)) {
    const raw = image.children.find((c) => c.descriptor.digest === digest)!.raw;
    bundled.set(platform, { digest, subject, manifest: JSON.parse(raw.toString('utf8')) as ImageManifest });
  }
  site = await RegistryInstance.start();
}, 600_000);

afterAll(async () => {
  await site?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const spdx = (platform: string) => attestations.get(platform)!.statements.find((s) => s.predicateType === 'https://spdx.dev/Document')!.predicate;
const provenance = (platform: string) => attestations.get(platform)!.statements.find((s) => s.predicateType.startsWith('https://slsa.dev/provenance/'))!;

describe('a release built with SBOM and provenance', () => {
  it('has, beside each platform image, an attestation manifest whose SPDX document lists the busybox binary', () => {
    expect([...attestations.keys()].sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const platform of attestations.keys()) {
      const packages = (spdx(platform).packages as { name: string; versionInfo?: string }[]);
      const busybox = packages.find((p) => p.name === 'busybox');
      expect(busybox, `${platform}: ${packages.map((p) => p.name).join(', ')}`).toBeDefined();
      expect(busybox!.versionInfo).toMatch(/^\d+\.\d+\.\d+/);
    }
  });

  it('has provenance naming the git revision and the build arguments, and no secret', () => {
    for (const platform of attestations.keys()) {
      const text = JSON.stringify(provenance(platform));
      expect(text).toContain(revision);
      expect(text).toContain('build-arg:MARK');
      expect(text).toContain(mark);
      expect(text).toContain('git.example/acme/link.git');
      expect(text).not.toContain(secretToken);
    }
  });
});

describe('its signed bundle', () => {
  it('holds the pushed index itself, attestation manifests and all', async () => {
    const archive = await openArchive(bundleFile());
    expect(archive.images[0]!.image.root.descriptor.digest).toBe(indexDigest);
    expect([...bundled.keys()].sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const [platform, { digest }] of bundled) expect(digest).toBe(attestations.get(platform)!.digest);
  });

  it('lists every attestation manifest and statement blob in bundle.json', async () => {
    const archive = await openArchive(bundleFile());
    const files = Object.keys(archive.bundle!.files);
    for (const { digest, manifest } of bundled.values()) {
      expect(manifest.layers.map((l) => l.mediaType)).toEqual(manifest.layers.map(() => 'application/vnd.in-toto+json'));
      for (const d of [digest, ...manifest.layers.map((l) => l.digest)]) {
        expect(files).toContain(`${archive.bundle!.layout}/blobs/${d.replace(':', '/')}`);
      }
    }
  });

  it('verifies with --key, and fails (exit 3) when one SBOM statement is changed', async () => {
    const good = await shipline(['bundle', 'verify', bundleFile(), '--key', pub()]);
    expect(good.exitCode, good.stderr).toBe(0);
    const sbomLayer = bundled.get('linux/arm64')!.manifest.layers.find((l) => l.annotations?.['in-toto.io/predicate-type'] === 'https://spdx.dev/Document')!;
    const layer = sbomLayer.digest.replace(':', '/');
    const changed = join(dir, 'changed.bundle.tar');
    await editTar(bundleFile(), changed, (name, data) => {
      if (!name.endsWith(layer)) return data;
      const copy = Buffer.from(data);
      copy.writeUInt8(copy.readUInt8(copy.length - 2) ^ 1, copy.length - 2);
      return copy;
    });
    const bad = await shipline(['bundle', 'verify', changed, '--key', pub()]);
    expect(bad.exitCode, bad.stderr).toBe(3);
    expect(bad.stderr).toContain(layer.split('/')[1]);
  });

  it('bundle inspect --sbom lists each platform\'s packages with version and licence', async () => {
    const all = await shipline(['bundle', 'inspect', bundleFile(), '--sbom']);
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^sbom \S+ linux\/amd64 \(attestation sha256:[a-f0-9]{64}\): \d+ packages?$/m);
    expect(all.stdout).toMatch(/^sbom \S+ linux\/arm64 /m);
    expect(all.stdout).toMatch(/^ {2}busybox +\d+\.\d+\.\d+\S* +\S+$/m);
    const arm = await shipline(['bundle', 'inspect', bundleFile(), '--sbom', '--platform', 'linux/arm64', '-o', 'json']);
    expect(arm.exitCode, arm.stderr).toBe(0);
    const doc = expectDocument<{ sbom: { platform: string; attestation: string; packages: { name: string }[] }[] }>(JSON.parse(arm.stdout), 'BundleInspection');
    expect(doc.sbom.map((s) => s.platform)).toEqual(['linux/arm64']);
    expect(doc.sbom[0]!.attestation).toBe(bundled.get('linux/arm64')!.digest);
    const fromSpdx = (spdx('linux/arm64').packages as { name: string; SPDXID: string }[]).filter((p) => !p.SPDXID.startsWith('SPDXRef-DocumentRoot'));
    expect(doc.sbom[0]!.packages.map((p) => p.name).sort()).toEqual(fromSpdx.map((p) => p.name).sort());
  });

  it('bundle inspect --provenance prints builder, source at the revision, and materials', async () => {
    const res = await shipline(['bundle', 'inspect', bundleFile(), '--provenance', '--platform', 'linux/amd64']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^provenance \S+ linux\/amd64 \(attestation sha256:[a-f0-9]{64}, https:\/\/slsa\.dev\/provenance\/v[\d.]+\)$/m);
    expect(res.stdout).toMatch(/^ {2}builder {4}\S/m);
    expect(res.stdout).toContain(`  source     https://git.example/acme/link.git revision ${revision}`);
    expect(res.stdout).toContain(`  arg        build-arg:MARK=${mark}`);
    expect(res.stdout).toMatch(/^ {2}material {3}pkg:docker\/127\.0\.0\.1:5000\/shipline\/base@musl-1\S* sha256:[a-f0-9]{64}$/m);
    expect(res.stdout).not.toContain(secretToken);
  });

  it('asks for a platform the bundle lacks: exit 2, naming the platforms it has', async () => {
    const res = await shipline(['bundle', 'inspect', bundleFile(), '--sbom', '--platform', 'linux/s390x']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('--platform linux/s390x');
    expect(res.stderr).toContain('linux/amd64, linux/arm64');
  });

  it('import --key pushes the attestation manifests and statements: the site serves them by digest', async () => {
    const res = await shipline(['bundle', 'import', bundleFile(), '--key', pub(), '--registry', site.address]);
    expect(res.exitCode, res.stderr).toBe(0);
    const atSite = new RegistryClient(site.address);
    const archive = await openArchive(bundleFile());
    const reader = tarLayoutReader(archive.index, archive.bundle!.layout);
    expect(await atSite.manifestDigest(repoPath, tag)).toBe(archive.images[0]!.image.root.descriptor.digest);
    for (const { digest, manifest } of bundled.values()) {
      const served = await atSite.manifest<ImageManifest>(repoPath, digest);
      expect(served?.digest).toBe(digest);
      for (const layer of manifest.layers) {
        const inBundle = await reader.read(`blobs/${layer.digest.replace(':', '/')}`);
        expect((await atSite.blob(repoPath, layer.digest)).equals(inBundle!)).toBe(true);
      }
    }
  });
});
