// The tag workflow as committed: .github/workflows/release.yml is parsed, its kubeconfig
// and release steps are run as Actions would run them (bash -e, the step's env, the
// expressions filled in), the release with --dry-run, against the local stack standing in
// for the CI registry, builder and cluster. Nothing is pushed or applied.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectBuilder } from '../../pipelines/adapters/buildx.js';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { run } from '../../pipelines/adapters/process.js';
import { projectRoot } from '../../pipelines/project-root.js';
import type { ReleaseSummary } from '../../pipelines/release/context.js';
import { buildkitdAddress } from '../../pipelines/stack/parts/buildkitd.js';
import { paths, registryAddress } from '../../pipelines/stack/layout.js';
import { installRoutingCrds } from '../support/routing-crds.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

const workflow = parse(readFileSync(join(projectRoot, '.github', 'workflows', 'release.yml'), 'utf8')) as {
  on: { push: { tags: string[] } };
  jobs: { release: { steps: Step[] } };
};
const steps = workflow.jobs.release.steps;
const step = (name: string) => steps.find((s) => s.name === name);

const nonce = randomBytes(3).toString('hex');
// The checkout: the repository's files, seen from a folder of its own so that the step's
// `> release.json` lands there.
const checkout = mkdtempSync(join(tmpdir(), 'shipline-workflow-'));
const runnerTemp = mkdtempSync(join(tmpdir(), 'shipline-runner-'));
const expressions: Record<string, string> = {
  'vars.REGISTRY': `${registryAddress}/wf-${nonce}`,
  'runner.temp': runnerTemp,
  'secrets.KUBECONFIG_DATA': readFileSync(paths.kubeconfig()).toString('base64'),
};
const gitTag = 'v1.2.3';

function fill(text: string): string {
  return text.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
    const value = expressions[name];
    if (value === undefined) throw new Error(`release.yml: no test value for \${{ ${name} }}`);
    return value;
  });
}

/** Runs a `run:` step as Actions does: bash -e, the step's env on top of the runner's. */
function runStep(script: string, stepEnv: Record<string, string> = {}) {
  const env = {
    ...process.env,
    ...Object.fromEntries(Object.entries(stepEnv).map(([k, v]) => [k, fill(String(v))])),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REF: `refs/tags/${gitTag}`,
    GITHUB_REF_TYPE: 'tag',
    GITHUB_REF_NAME: gitTag,
    RUNNER_TEMP: runnerTemp,
  };
  return run(['bash', '-e', '-c', fill(script)], { cwd: checkout, env, nothrow: true, timeoutMs: 600_000 });
}

const ciBuilder = String(steps.find((s) => s.uses?.startsWith('docker/setup-buildx-action'))?.with?.name ?? '');
let createdBuilder = false;

beforeAll(async () => {
  for (const entry of readdirSync(projectRoot)) {
    if (!['release.json', 'dist', 'examples'].includes(entry)) symlinkSync(join(projectRoot, entry), join(checkout, entry));
  }
  // The example's mesh route is served by the user's istiod; the local stack has Istio's CRDs
  // but no istiod, where a rollout (rightly) refuses: the copy says the mesh runs elsewhere.
  mkdirSync(join(checkout, 'examples'));
  for (const entry of readdirSync(join(projectRoot, 'examples'))) {
    const text = readFileSync(join(projectRoot, 'examples', entry), 'utf8');
    writeFileSync(join(checkout, 'examples', entry), entry === 'shipline.ci.yaml' ? text.replace(/^routing:\n/m, 'routing:\n  implementation: external\n') : text);
  }
  // What docker/setup-buildx-action does in CI: a builder of the workflow's name, here on
  // the local stack's BuildKit.
  if (ciBuilder && !(await inspectBuilder(ciBuilder))) {
    await run(['docker', 'buildx', 'create', '--name', ciBuilder, '--driver', 'remote', buildkitdAddress], { timeoutMs: 60_000 });
    createdBuilder = true;
  }
  await installRoutingCrds(KubeClient.load(paths.kubeconfig()));
}, 300_000);

afterAll(async () => {
  if (createdBuilder) await run(['docker', 'buildx', 'rm', ciBuilder], { nothrow: true, timeoutMs: 60_000 });
  rmSync(checkout, { recursive: true, force: true });
  rmSync(runnerTemp, { recursive: true, force: true });
});

describe('.github/workflows/release.yml', () => {
  it('runs on v* tags with a builder of its own and names files the repository has', () => {
    expect(workflow.on.push.tags).toEqual(['v*']);
    expect(ciBuilder).toBe('shipline-ci');
    const release = step('release')?.run ?? '';
    // -s: npm's own banner would go to stdout, into release.json.
    expect(release).toMatch(/^npm run -s release -- /);
    const config = /--config (\S+)/.exec(release)?.[1];
    expect(config, 'the release step passes --config').toBeDefined();
    expect(existsSync(join(projectRoot, config!)), `${config} is in the repository`).toBe(true);
  });

  it('releases with --dry-run against the local stack: semver tag from the git tag, the CI registry and builder, diffs from the cluster', async () => {
    const kubeconfig = step('kubeconfig');
    expect(kubeconfig?.run).toBeDefined();
    const wrote = await runStep(kubeconfig!.run!, kubeconfig!.env);
    expect(wrote.exitCode, wrote.stderr).toBe(0);
    expect(readFileSync(join(runnerTemp, 'kubeconfig'), 'utf8')).toBe(readFileSync(paths.kubeconfig(), 'utf8'));

    const release = step('release')!;
    // A server dry run: the manifests are also dry-run and diffed on the API server.
    const dryRun = release.run!.replace('npm run -s release -- ', 'npm run -s release -- --dry-run=server ');
    expect(dryRun).not.toBe(release.run);
    const result = await runStep(dryRun, release.env);
    expect(result.exitCode, result.stderr).toBe(0);

    const summary = JSON.parse(readFileSync(join(checkout, 'release.json'), 'utf8')) as ReleaseSummary;
    const repository = `${expressions['vars.REGISTRY']}/link`;
    expect(summary).toMatchObject({ dryRun: true, config: 'examples/shipline.ci.yaml', tag: '1.2.3' });
    expect(summary.warnings).toEqual([]);
    const build = summary.commands?.find((c) => c.includes('docker buildx build')) ?? '';
    expect(build).toContain(`BUILDX_BUILDER=${ciBuilder} docker buildx build --platform linux/amd64,linux/arm64 -f `);
    // pushed by digest; shipline writes the tag 1.2.3 itself once it is checked free
    expect(build).toContain(`--output type=image,name=${repository},push-by-digest=true,push=true`);
    expect(build).toContain('org.opencontainers.image.version=1.2.3');
    expect(build).not.toContain('--build-arg BASE=');
    expect(summary.routingApi).toMatch(/^(networking\.istio\.io|gateway\.networking\.k8s\.io)\//);
    expect(summary.manifests.length).toBeGreaterThan(0);
    expect(summary.diffs?.length).toBeGreaterThan(0);
    // Nothing was pushed: the repository has no tags.
    const tags = await fetch(`http://${registryAddress}/v2/wf-${nonce}/link/tags/list`);
    expect(tags.status).toBe(404);
  });
});
