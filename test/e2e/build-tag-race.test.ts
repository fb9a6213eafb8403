// Two releases of the same tag at once, with the real BuildKit and the local registry:
// buildx pushes by digest only and shipline writes the tag afterwards, checked at tag time.
// Exactly one gets the tag; the other gets the next free date tag (rebuilt under it) or
// fails with exit 3; no tag is ever overwritten.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { registryAddress } from '../../pipelines/stack/layout.js';
import { buildFixture } from '../support/build-fixture.js';
import { shipline } from '../support/cli.js';
import { imageConfig } from '../support/image-files.js';

const registry = new RegistryClient(registryAddress);

interface BuildJson {
  tag: { tag: string; requested?: string };
  indexDigest: string;
  platforms: { platform: string; digest: string }[];
}

function fixture(name: string) {
  const nonce = randomBytes(4).toString('hex');
  const path = `e2e/tag-race-${name}-${nonce}`;
  // The version label and build argument carry the tag, so the loser's image must be rebuilt.
  // The nonce keeps BuildKit's cache from earlier runs out: both builds are still building
  // when both have checked the tags in preflight, so the race is at tag time.
  return { path, ...buildFixture(path, { image: { buildArgs: { MARK: `{tag}-${nonce}` } }, output: { push: true } }) };
}

describe('concurrent builds of the same tag', () => {
  it('date tag: one gets YYYYMMDD, the other the next free YYYYMMDD.1, each tag naming its own build', async () => {
    const f = fixture('date');
    const args = ['build', '--date', '2031-02-03', '--json'];
    const results = await Promise.all([shipline(args, { cwd: f.dir }), shipline(args, { cwd: f.dir })]);
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    const built = results.map((r) => JSON.parse(r.stdout) as BuildJson);

    expect(built.map((b) => b.tag.tag).sort()).toEqual(['20310203', '20310203.1']);
    expect((await registry.tags(f.path)).sort()).toEqual(['20310203', '20310203.1']);
    const loser = built.find((b) => b.tag.tag === '20310203.1')!;
    expect(loser.tag.requested).toBe('20310203');
    expect(results.find((r) => r.stdout.includes('"20310203.1"'))!.stderr).toContain(`${f.repository}:20310203 was taken by a concurrent release; building 20310203.1`);

    for (const b of built) {
      // What each build reports is what its tag names: neither was overwritten by the other.
      expect(await registry.manifestDigest(f.path, b.tag.tag)).toBe(b.indexDigest);
      expect(b.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
      for (const p of b.platforms) {
        const config = await imageConfig(registry, f.path, p.digest);
        expect(config.config.Labels?.['org.opencontainers.image.version']).toBe(b.tag.tag);
      }
    }
    expect(built[0]!.indexDigest).not.toBe(built[1]!.indexDigest);
  });

  it('fixed tag: one gets it, the other exits 3 naming the tag, and the tag keeps the winner\'s image', async () => {
    const f = fixture('fixed');
    const args = ['build', '--tag', 'v7', '--json'];
    const results = await Promise.all([shipline(args, { cwd: f.dir }), shipline(args, { cwd: f.dir })]);
    const winners = results.filter((r) => r.exitCode === 0);
    const losers = results.filter((r) => r.exitCode !== 0);
    expect(winners, results.map((r) => r.stderr).join('\n---\n')).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]!.exitCode, losers[0]!.stderr).toBe(3);
    expect(losers[0]!.stderr).toMatch(new RegExp(`${f.repository}:v7 (was pushed by a concurrent release while this one built|already exists in the registry)`));
    expect(losers[0]!.stderr).toContain('never overwritten');

    const won = JSON.parse(winners[0]!.stdout) as BuildJson;
    expect(await registry.tags(f.path)).toEqual(['v7']);
    expect(await registry.manifestDigest(f.path, 'v7')).toBe(won.indexDigest);
  });

  it('a tag that exists is not overwritten by a later build, and --force overwrites it on purpose', async () => {
    const f = fixture('later');
    const first = await shipline(['build', '--tag', 'v1', '--json'], { cwd: f.dir });
    expect(first.exitCode, first.stderr).toBe(0);
    const { indexDigest } = JSON.parse(first.stdout) as BuildJson;

    const again = await shipline(['build', '--tag', 'v1', '--date', '2031-02-04'], { cwd: f.dir });
    expect(again.exitCode).toBe(3);
    expect(again.stderr).toContain(`${f.repository}:v1 already exists in the registry`);
    expect(await registry.manifestDigest(f.path, 'v1')).toBe(indexDigest);

    const forced = await shipline(['build', '--tag', 'v1', '--date', '2031-02-04', '--force', '--json'], { cwd: f.dir });
    expect(forced.exitCode, forced.stderr).toBe(0);
    const overwritten = JSON.parse(forced.stdout) as BuildJson;
    expect(overwritten.indexDigest).not.toBe(indexDigest);
    expect(await registry.manifestDigest(f.path, 'v1')).toBe(overwritten.indexDigest);
  });
});
