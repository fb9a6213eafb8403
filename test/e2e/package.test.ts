// The CLI as a package: `npm pack` (its prepack builds dist/cli), installed into an empty
// folder with `npm install ./shipline-*.tgz` (no dev dependencies), then run with npx as a
// user would. The installed package has no TypeScript sources and no esbuild: it can only
// run its prebuilt bundle, and the files it reads (CRDs, Dockerfile, sample service) must
// be in the tarball.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type RunResult } from '../../pipelines/adapters/process.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { baseImageRef } from '../../pipelines/stack/layout.js';
import { writeSyntheticOci } from '../../scripts/bench/fixtures/synthetic-oci.js';

const golden = (name: string) => readFileSync(join(projectRoot, 'test', 'unit', 'golden', name), 'utf8');
const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;

// npm called from inside `npm test` must not see the outer npm's variables (its package,
// its lifecycle, its local prefix); only the settings that reach the registry are kept.
const kept = /^npm_config_(cache|registry|cafile|userconfig|globalconfig|proxy|https_proxy|noproxy)$/i;
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || kept.test(key)));

let work: string;
let app: string;
let installed: string;
let install: RunResult;
let installSeconds: number;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [relative(installed, join(dir, entry.name))],
  );
}

// A cache of its own: lint generates its validators with ajv from the package, not from a cache a checkout filled.
const shipline = (...args: string[]): Promise<RunResult> =>
  run(['npx', 'shipline', ...args], { cwd: app, env: { ...env, CI: 'true', SHIPLINE_CACHE: join(work, 'cache') }, nothrow: true, timeoutMs: 120_000 });

/** Bytes of the files under a folder. */
function bytesUnder(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? bytesUnder(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'shipline-package-'));
  app = join(work, 'app');
  const packed = await run(['npm', 'pack', '--json', '--pack-destination', work], { cwd: projectRoot, env, timeoutMs: 300_000 });
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [{ filename: string }];
  await run(['mkdir', app]);
  await run(['npm', 'init', '-y'], { cwd: app, env, timeoutMs: 60_000 });
  const started = performance.now();
  install = await run(['npm', 'install', '--prefer-offline', '--no-audit', '--no-fund', join(work, filename)], { cwd: app, env, timeoutMs: 480_000 });
  installSeconds = (performance.now() - started) / 1000;
  installed = join(app, 'node_modules', 'shipline');
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed CLI, installed into an empty folder', () => {
  it('is one package with no dependencies, no install scripts and at most 15 MB of node_modules', () => {
    // The bundle holds every runtime dependency: npm installs shipline alone.
    expect(readdirSync(join(app, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['shipline']);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies?: object; scripts?: Record<string, string> };
    expect(manifest.dependencies ?? {}).toEqual({});
    // Nothing npm would run at install time (preinstall, install, postinstall, a binding.gyp's node-gyp rebuild).
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => /^(pre|post)?install$/.test(name))).toEqual([]);
    expect(files(installed).filter((file) => file.endsWith('binding.gyp'))).toEqual([]);
    expect(install.stderr).not.toMatch(/install-scripts|node-gyp/);
    const megabytes = bytesUnder(join(app, 'node_modules')) / 1e6;
    expect(megabytes).toBeLessThanOrEqual(15);
    // Printed for the record (the issue's ≤ 5 s holds from a warm cache; this run's cache may be cold).
    process.stdout.write(`package: node_modules ${megabytes.toFixed(1)} MB, npm install ${installSeconds.toFixed(1)} s\n`);
  });

  it('holds the prebuilt bundle and what it reads at run time, and no sources', () => {
    const all = files(installed);
    expect(all).toEqual(expect.arrayContaining([
      'dist/cli/cli.js', 'dist/cli/lint-engine.cjs', 'scripts/shipline.mjs', 'scripts/stack/build-go-tools.sh', 'manifests/crds/istio-virtualservices.yaml',
      'manifests/crds/gateway-api-httproutes.yaml', 'schema/shipline.schema.json', 'Dockerfile.musl', 'service/cgi-bin/healthz', 'package.json',
    ]));
    expect(all.filter((file) => /\.ts$/.test(file))).toEqual([]);
    // esbuild is a dev dependency: the installed package could not build even if it tried.
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('esbuild');
  });

  it('runs --help and --version (the version of package.json)', async () => {
    const help = await shipline('--help');
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: shipline /);
    for (const command of ['build', 'render', 'lint', 'release', 'rollout', 'bundle', 'stack']) expect(help.stdout).toContain(`  ${command}`);
    const shown = await shipline('--version');
    expect(shown.stdout.trim()).toBe(version);
  });

  it('renders the routing of a shipline.yaml', async () => {
    writeFileSync(join(app, 'shipline.yaml'), `image:\n  repository: modco/link\n${golden('2-weighted-canary.config.yaml')}`);
    const result = await shipline('render');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(golden('2-weighted-canary.istio.yaml'));
    rmSync(join(app, 'shipline.yaml'));
  });

  it('lints against the CRD schemas shipped in the package', async () => {
    writeFileSync(join(app, 'good.yaml'), golden('2-weighted-canary.istio.yaml'));
    writeFileSync(join(app, 'typo.yaml'), golden('2-weighted-canary.istio.yaml').replace('weight: 80', 'wieght: 80'));
    const good = await shipline('lint', 'good.yaml');
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    const typo = await shipline('lint', 'typo.yaml');
    expect(typo.exitCode).toBe(2);
    // Sorted by line: the weights that no longer add up (the typo dropped one), then the typo itself.
    expect(typo.stdout).toMatch(/^typo\.yaml:\d+:\d+: VirtualService\/canary-release spec\.http\[0\]\.route: weights sum to 20, must be 100/);
    expect(typo.stdout).toMatch(/^typo\.yaml:\d+:\d+: VirtualService\/canary-release spec\.http\[0\]\.route\[0\]\.wieght: unknown field; did you mean weight\?$/m);
  });

  it('writes and reads a zstd bundle with the WebAssembly decoder shipped in the package', async () => {
    const oci = join(work, 'small.tar');
    await writeSyntheticOci(oci, { platforms: ['linux/amd64'], layersPerPlatform: 1, layerSize: 256 << 10, seed: 'package-zstd' });
    // A compressible manifest file: its frame goes through libzstd, not the stored-block path.
    writeFileSync(join(app, 'big.yaml'), `${'# padding to compress\n'.repeat(20_000)}apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n`);
    const created = await shipline('bundle', 'create', '--oci', oci, '--image', 'air/zst:1', '--manifests', 'big.yaml', '--compress', 'zstd', '-o', 'b.bundle.tar.zst');
    expect(created.exitCode, created.stderr).toBe(0);
    // 256 KiB of random layer and 440 KB of manifest: only a compressed manifest keeps it under 400 KB.
    expect(statSync(join(app, 'b.bundle.tar.zst')).size).toBeLessThan(400_000);
    const verified = await shipline('bundle', 'verify', 'b.bundle.tar.zst');
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('image air/zst:1');
    const zstd = await run(['zstd', '-t', join(app, 'b.bundle.tar.zst')], { nothrow: true });
    expect(zstd.exitCode, zstd.stderr).toBe(0);
  });

  it('reaches the Docker Engine over its unix socket with the bundled dockerode (no ssh2, no native parts)', async () => {
    // The platform is checked after the Engine has answered its version: this message means it did.
    const result = await shipline('bundle', 'import', 'b.bundle.tar.zst', '--docker', '--platform', 'linux/s390x');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('image air/zst:1 has no linux/s390x image (it has linux/amd64); nothing was loaded');
    expect(readdirSync(join(installed, 'dist', 'cli')).filter((f) => f.endsWith('.node'))).toEqual([]);
  });

  it('prints the build of the embedded sample (shipped in the package) with --dry-run --config @sample, and without a project refuses', async () => {
    const stamp = statSync(join(installed, 'dist', 'cli', 'cli.js')).mtimeMs;
    const none = await shipline('build', '--dry-run', '--offline', '--date', '2024-01-26');
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain(`no shipline.yaml in ${app}`);
    expect(none.stdout).toBe('');
    const result = await shipline('build', '--dry-run', '--offline', '--date', '2024-01-26', '--config', '@sample');
    expect(result.exitCode, result.stderr).toBe(0);
    // Pushed by digest, then tagged by shipline (never moving a tag another release wrote).
    expect(result.stdout).toContain('docker buildx build --platform linux/amd64,linux/arm64 -f Dockerfile.musl --output type=image,name=127.0.0.1:5000/modco/link,push-by-digest=true,push=true');
    expect(result.stdout).toContain('# then shipline tags 127.0.0.1:5000/modco/link:20240126 with the pushed index');
    expect(result.stdout).toContain(`--build-arg BASE=${baseImageRef}`);
    // Nothing was built at run time.
    expect(statSync(join(installed, 'dist', 'cli', 'cli.js')).mtimeMs).toBe(stamp);
    expect(readdirSync(installed).filter((name) => name.startsWith('dist.'))).toEqual([]);
  });

  it('carries the chart library a release report inlines (uPlot) beside its bundle, as the checkout\'s bundle reads it', () => {
    // The report tests render through the checkout's bundle, which reads these same files (SHIPLINE_UPLOT_DIR).
    for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
      const shipped = join(installed, 'dist', 'cli', 'uplot', file);
      expect(readFileSync(shipped, 'utf8')).toBe(readFileSync(join(projectRoot, 'node_modules', 'uplot', 'dist', file), 'utf8'));
    }
    expect(existsSync(join(app, 'node_modules', 'uplot')), 'uPlot ships inside the package, not as a dependency').toBe(false);
  });

  it('init writes a $schema that resolves into the installed package', async () => {
    const result = await shipline('init', '-o', 'init.yaml');
    expect(result.exitCode, result.stderr).toBe(0);
    const text = readFileSync(join(app, 'init.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/shipline/schema/shipline.schema.json');
    expect(statSync(join(app, 'node_modules', 'shipline', 'schema', 'shipline.schema.json')).isFile()).toBe(true);
    rmSync(join(app, 'init.yaml'));
  });
});
