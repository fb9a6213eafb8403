// `shipline lint` of 1, 300 and 3,000 routing manifest files side by side with
// kubeconform given the same CRD schemas (as strict JSON schemas, the way its users
// convert CRDs), all timed in one hyperfine run on warm caches. kubeconform checks
// schemas only; lint also evaluates the CRDs' CEL rules and the semantic rules.
// Targets (issue 24): 3,000 files ≤ 1.0× kubeconform's time (worker threads on every
// core), 300 files ≤ 3× (start-up bound), one file ≤ 150 ms.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { kindsOf, routingGroups, versionsOf } from '../../manifests/crd-schemas.js';
import { structural } from '../../manifests/crd-validator.js';
import { toYaml } from '../../pipelines/model/yaml.js';
import { run } from '../../pipelines/adapters/process.js';
import { buildGoTool } from '../../pipelines/stack/install.js';
import { cacheDir, versions } from '../../pipelines/stack/layout.js';
import { lintCases } from './fixtures/lint-cases.js';
import { rounds, scaled } from './quick.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'scripts', 'shipline.mjs');

/** `count` files of valid routing manifests: the goldens' routing documents and the valid lint cases, renamed. */
export function writeManifests(dir: string, count: number): string[] {
  const golden = join(root, 'test', 'unit', 'golden');
  const sources = readdirSync(golden)
    .filter((f) => /\.(istio|gateway-api)\.yaml$/.test(f))
    .flatMap((f) => parseAllDocuments(readFileSync(join(golden, f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>))
    .concat(lintCases.filter((c) => c.valid).map((c) => parseAllDocuments(c.yaml)[0]!.toJS() as Record<string, unknown>))
    .filter((o) => String(o.apiVersion).includes('.'));
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const object = structuredClone(sources[i % sources.length]!);
    (object.metadata as Record<string, unknown>).name = `bench-${i}`;
    const file = join(dir, `m${String(i).padStart(4, '0')}.yaml`);
    writeFileSync(file, toYaml([object]));
    files.push(file);
  }
  return files;
}

/** Every served version of every shipped CRD as a strict JSON schema, named as kubeconform's template asks. */
export function writeSchemas(dir: string): string {
  for (const group of routingGroups) {
    for (const kind of kindsOf(group)) {
      for (const [version, schema] of versionsOf(group, kind)!) {
        writeFileSync(join(dir, `${group}-${kind.toLowerCase()}-${version}.json`), JSON.stringify(structural(schema)));
      }
    }
  }
  return join(dir, '{{ .Group }}-{{ .ResourceKind }}-{{ .ResourceAPIVersion }}.json');
}

interface HyperfineResult {
  median: number;
  min: number;
  max: number;
  /** Mean CPU seconds per run: steadier than wall time on a busy machine. */
  user: number;
  system: number;
}

const sizes = scaled([1, 300, 3000] as const, [1, 30, 300] as const);
const targets: Record<(typeof sizes)[number], { ratio?: number; ms?: number }> = { 1: { ms: 150 }, 30: { ratio: 3 }, 300: { ratio: 3 }, 3000: { ratio: 1 } };

export default async function bench(): Promise<void> {
  await buildGoTool('kubeconform');
  const kubeconform = join(cacheDir(), 'tools', `kubeconform-${versions.kubeconform}`, 'kubeconform');
  const work = mkdtempSync(join(tmpdir(), 'shipline-bench-lint-'));
  mkdirSync(join(work, 'schemas'));
  const template = writeSchemas(join(work, 'schemas'));
  const commands: string[] = [];
  const summaries: string[] = [];
  for (const size of sizes) {
    const dir = join(work, `manifests-${size}`);
    mkdirSync(dir);
    writeManifests(dir, size);
    const lint = `node ${cli} lint ${dir}`;
    const peer = `${kubeconform} -strict -summary -schema-location '${template}' ${dir}`;
    // lint must pass every file. kubeconform applies no schema defaults, so it rejects the
    // valid Gateway whose addresses rely on `type: IPAddress` (lint's former false alarm):
    // its summary line says how many; it still reads and checks every file.
    await run(['sh', '-c', lint], { timeoutMs: 120_000 });
    summaries.push((await run(['sh', '-c', `${peer}; true`], { timeoutMs: 120_000 })).stdout.trim().split('\n').pop()!);
    commands.push(lint, peer);
  }
  const out = join(work, 'result.json');
  // Node's own start-up, the floor of any Node CLI; and, when this environment sets
  // NODE_EXTRA_CA_CERTS (Node 20 reads and parses that file at every start), lint and node
  // without it, as on a machine that does not set it.
  const extraCa = process.env.NODE_EXTRA_CA_CERTS ? [...sizes.map((_, i) => `env -u NODE_EXTRA_CA_CERTS ${commands[2 * i]!}`), 'env -u NODE_EXTRA_CA_CERTS node -e 0'] : [];
  // The largest size once more on one thread: what the worker threads gain (or cost) here.
  const oneThread = `env SHIPLINE_LINT_THREADS=1 ${commands[2 * (sizes.length - 1)]!}`;
  await run(['hyperfine', '--warmup', String(scaled(2, 0)), '--runs', String(rounds(10)), '--ignore-failure', '--export-json', out, ...commands, 'node -e 0', ...extraCa, oneThread], { timeoutMs: 900_000 });
  const results = (JSON.parse(readFileSync(out, 'utf8')) as { results: HyperfineResult[] }).results;
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  const cpu = (r: HyperfineResult) => r.user + r.system;
  const lines = [`lint vs kubeconform ${versions.kubeconform} (same CRD schemas), ${availableParallelism()} cores; lint adds CEL and semantic rules:`];
  sizes.forEach((size, i) => {
    const ours = results[2 * i]!;
    const theirs = results[2 * i + 1]!;
    const ratio = ours.median / theirs.median;
    const target = targets[size];
    const met = target.ms !== undefined ? ours.median * 1000 <= target.ms : ratio <= target.ratio!;
    const budget = target.ms !== undefined ? `≤ ${target.ms} ms` : `≤ ${target.ratio}x`;
    lines.push(
      `  ${String(size).padStart(5)} file${size === 1 ? ' ' : 's'}: lint ${ms(ours.median)} [${ms(ours.min)}–${ms(ours.max)}], ${ms(cpu(ours))} CPU; kubeconform ${ms(theirs.median)} [${ms(theirs.min)}–${ms(theirs.max)}], ${ms(cpu(theirs))} CPU; ` +
        `lint/kubeconform ${ratio.toFixed(2)}x (target ${budget}: ${met ? 'met' : 'NOT met'}) (${summaries[i]})`,
    );
  });
  const node = results[2 * sizes.length]!;
  lines.push(`  node -e 0 alone: ${ms(node.median)}, the start-up any Node CLI pays here`);
  const single = results.at(-1)!;
  lines.push(`  ${sizes.at(-1)} files on one thread (SHIPLINE_LINT_THREADS=1): ${ms(single.median)}, ${ms(cpu(single))} CPU (${(single.median / results[2 * sizes.length - 1]!.median).toFixed(2)}x kubeconform)`);
  if (extraCa.length > 0) {
    const without = results.slice(2 * sizes.length + 1, -1);
    const each = sizes.map((size, i) => `${size}: ${ms(without[i]!.median)} (${(without[i]!.median / results[2 * i + 1]!.median).toFixed(2)}x)`);
    lines.push(`  without NODE_EXTRA_CA_CERTS (set here): lint ${each.join(', ')}; node -e 0 ${ms(without.at(-1)!.median)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  rmSync(work, { recursive: true, force: true });
}
