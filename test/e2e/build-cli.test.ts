// `shipline build` as a user runs it: dry-run output, exit codes, nothing changed on errors.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { projectRoot } from '../../pipelines/config/load.js';
import { registryAddress } from '../../pipelines/stack/layout.js';
import { buildFixture } from '../support/build-fixture.js';
import { shipline } from '../support/cli.js';

const notesConfig = `image:
  repository: modco/link
  dockerfile: Dockerfile.musl
  context: .
  platforms: [linux/amd64, linux/arm64]
  tag: date
builder:
  name: shipline-local
output:
  push: true
  oci: link_{tag}.tar
  combine: never
`;

function notesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-notes-'));
  writeFileSync(join(dir, 'shipline.yaml'), notesConfig);
  copyFileSync(join(projectRoot, 'Dockerfile.musl'), join(dir, 'Dockerfile.musl'));
  return dir;
}

describe('shipline build --dry-run', () => {
  it('prints the two commands of the user notes, shell-quoted, and writes nothing', async () => {
    const dir = notesDir();
    const result = await shipline(['build', '--dry-run', '--offline', '--date', '2024-01-26'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const all = result.stdout.trim().split('\n');
    // The commands, then a comment for the tag shipline writes itself after the push.
    expect(all).toHaveLength(3);
    expect(all[2]).toBe("# then shipline tags modco/link:20240126 with the pushed index's digest (registry API; never moves an existing tag)");
    const lines = all.slice(0, 2);
    const notes = [
      // pushed by digest only: shipline writes the tag itself, checked at tag time
      ['docker buildx build', '--platform linux/amd64,linux/arm64', '-f Dockerfile.musl', '--output type=image,name=modco/link,push-by-digest=true,push=true', ' .'],
      ['docker buildx build', '--platform linux/amd64,linux/arm64', '-t modco/link:20240126', '-f Dockerfile.musl', '--output type=oci,dest=link_20240126.tar', ' .'],
    ];
    lines.forEach((line, i) => {
      expect(line.startsWith('BUILDKIT_PROGRESS=plain BUILDX_BUILDER=shipline-local docker buildx build ')).toBe(true);
      const positions = notes[i]!.map((flag) => (flag === ' .' ? line.lastIndexOf(flag) : line.indexOf(flag)));
      expect(positions.every((p) => p >= 0), line).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(line.endsWith(' .')).toBe(true);
    });
    expect(result.stderr).toContain('offline');
    expect(readdirSync(dir).sort()).toEqual(['Dockerfile.musl', 'shipline.yaml']);
  });

  it('combines both outputs into one build when the builder supports several exporters', async () => {
    const dir = notesDir();
    writeFileSync(join(dir, 'shipline.yaml'), notesConfig.replace('  combine: never\n', ''));
    const result = await shipline(['build', '--dry-run', '--offline', '--date', '2024-01-26'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').filter((l) => !l.startsWith('#'))).toHaveLength(1);
    expect(result.stdout).toContain('push=true --output type=oci,dest=link_20240126.tar,name=modco/link:20240126');
    expect(result.stdout).not.toContain(' -t ');
  });
});

describe('shipline build: bad input changes nothing', () => {
  it('exits 2 naming the file and field for invalid config, a bad --date, a missing Dockerfile', async () => {
    const dir = notesDir();
    writeFileSync(join(dir, 'broken.yaml'), 'image:\n  repository: modco/link\n  platforms: [linux/amd64, amd64]\noutput:\n  oci: out.zip\n');
    const invalid = await shipline(['build', '--config', 'broken.yaml', '--dry-run', '--offline'], { cwd: dir });
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toContain('broken.yaml: image.platforms[1]: must look like os/arch');
    expect(invalid.stdout).toBe('');

    const badDate = await shipline(['build', '--dry-run', '--offline', '--date', '2024-13-01'], { cwd: dir });
    expect(badDate.exitCode).toBe(2);
    expect(badDate.stderr).toContain('--date: "2024-13-01" is not a date');

    writeFileSync(join(dir, 'nofile.yaml'), notesConfig.replace('dockerfile: Dockerfile.musl', 'dockerfile: Dockerfile.missing'));
    const missing = await shipline(['build', '--config', 'nofile.yaml', '--dry-run', '--offline'], { cwd: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/image\.dockerfile: .*Dockerfile\.missing does not exist/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tar'))).toEqual([]);
  });

  it('exits 3 when the tag exists in the registry, and the tag keeps its digest', async () => {
    const path = `e2e/build-${randomBytes(4).toString('hex')}`;
    const fixture = buildFixture(path, { output: { push: true } });
    const first = await shipline(['build', '--tag', 'v1', '--json'], { cwd: fixture.dir });
    expect(first.exitCode, first.stderr).toBe(0);
    const pinned = (JSON.parse(first.stdout) as { pinned: string }).pinned;
    const again = await shipline(['build', '--tag', 'v1'], { cwd: fixture.dir });
    expect(again.exitCode).toBe(3);
    expect(again.stderr).toContain(`${fixture.repository}:v1 already exists in the registry`);
    expect(again.stderr).toContain('--force');
    const live = await new RegistryClient(registryAddress).manifest(path, 'v1');
    expect(`${fixture.repository}@${live!.digest}`).toBe(pinned);
  });
});
