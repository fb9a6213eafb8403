// `shipline lint` of 300 routing manifests side by side with kubeconform given the same
// CRD schemas (as strict JSON schemas, the way its users convert CRDs), both timed with
// hyperfine on warm caches. kubeconform checks schemas only; lint also evaluates the
// CRDs' CEL rules and the semantic rules. Budget (issue 15): within 1.5x of kubeconform.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { kindsOf, routingGroups, versionsOf } from '../../manifests/crd-schemas.js';
import { structural } from '../../manifests/crd-validator.js';
import { toYaml } from '../../manifests/yaml.js';
import { run } from '../../pipelines/adapters/process.js';
import { buildGoTool } from '../../pipelines/stack/install.js';
import { cacheDir, versions } from '../../pipelines/stack/layout.js';
import { lintCases } from '../../test/support/lint-cases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'scripts', 'shipline.mjs');

/** 300 files of valid routing manifests: the goldens' routing documents and the valid lint cases, renamed. */
function writeManifests(dir: string): string[] {
  const golden = join(root, 'test', 'unit', 'golden');
  const sources = readdirSync(golden)
    .filter((f) => /\.(istio|gateway-api)\.yaml$/.test(f))
    .flatMap((f) => parseAllDocuments(readFileSync(join(golden, f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>))
    .concat(lintCases.filter((c) => c.valid).map((c) => parseAllDocuments(c.yaml)[0]!.toJS() as Record<string, unknown>))
    .filter((o) => String(o.apiVersion).includes('.'));
  const files: string[] = [];
  for (let i = 0; i < 300; i++) {
    const object = structuredClone(sources[i % sources.length]!);
    (object.metadata as Record<string, unknown>).name = `bench-${i}`;
    const file = join(dir, `m${String(i).padStart(3, '0')}.yaml`);
    writeFileSync(file, toYaml([object]));
    files.push(file);
  }
  return files;
}

/** Every served version of every shipped CRD as a strict JSON schema, named as kubeconform's template asks. */
function writeSchemas(dir: string): string {
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

export default async function bench(): Promise<void> {
  await buildGoTool('kubeconform');
  const kubeconform = join(cacheDir(), 'tools', `kubeconform-${versions.kubeconform}`, 'kubeconform');
  const work = mkdtempSync(join(tmpdir(), 'shipline-bench-lint-'));
  mkdirSync(join(work, 'manifests'));
  mkdirSync(join(work, 'schemas'));
  writeManifests(join(work, 'manifests'));
  const template = writeSchemas(join(work, 'schemas'));
  const lint = `node ${cli} lint ${join(work, 'manifests')}/*.yaml`;
  const peer = `${kubeconform} -strict -summary -schema-location '${template}' ${join(work, 'manifests')}`;
  // lint must pass every file. kubeconform applies no schema defaults, so it rejects the
  // valid Gateway whose addresses rely on `type: IPAddress` (lint's former false alarm):
  // its summary line says how many; it still reads and checks every file.
  await run(['sh', '-c', lint], { timeoutMs: 120_000 });
  const checked = await run(['sh', '-c', `${peer}; true`], { timeoutMs: 120_000 });
  const out = join(work, 'result.json');
  // Node's own start-up, the floor of any Node CLI; and, when this environment sets
  // NODE_EXTRA_CA_CERTS (Node 20 reads and parses that file at every start), the same
  // without it, as on a machine that does not set it.
  const nodeAlone = 'node -e 0';
  const extraCa = process.env.NODE_EXTRA_CA_CERTS ? [`env -u NODE_EXTRA_CA_CERTS ${lint}`, `env -u NODE_EXTRA_CA_CERTS ${nodeAlone}`] : [];
  await run(['hyperfine', '--warmup', '2', '--runs', '10', '--ignore-failure', '--export-json', out, lint, peer, nodeAlone, ...extraCa], { timeoutMs: 600_000 });
  const [ours, theirs, node, oursNoCa, nodeNoCa] = (JSON.parse(readFileSync(out, 'utf8')) as { results: HyperfineResult[] }).results;
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  const ratio = ours!.median / theirs!.median;
  const cpu = (r: HyperfineResult) => r.user + r.system;
  const vsPeer = (r: HyperfineResult) => `${(r.median / theirs!.median).toFixed(2)}x`;
  process.stdout.write(
    `lint, 300 manifests: ${ms(ours!.median)} median [${ms(ours!.min)}–${ms(ours!.max)}], ${ms(cpu(ours!))} CPU (schemas + CEL rules + semantic rules)\n` +
      `  peer kubeconform ${versions.kubeconform}, same CRD schemas: ${ms(theirs!.median)} median [${ms(theirs!.min)}–${ms(theirs!.max)}], ${ms(cpu(theirs!))} CPU (${checked.stdout.trim().split('\n').pop()})\n` +
      `  lint/kubeconform ${ratio.toFixed(2)}x (budget 1.5x${ratio <= 1.5 ? ', met' : ', NOT met'}); CPU ${(cpu(ours!) / cpu(theirs!)).toFixed(2)}x\n` +
      `  node -e 0 alone: ${ms(node!.median)} (${vsPeer(node!)} kubeconform), the start-up any Node CLI pays here\n` +
      (oursNoCa && nodeNoCa
        ? `  without NODE_EXTRA_CA_CERTS (set here): lint ${ms(oursNoCa.median)} (${vsPeer(oursNoCa)} kubeconform), node -e 0 ${ms(nodeNoCa.median)} (${vsPeer(nodeNoCa)})\n`
        : ''),
  );
  rmSync(work, { recursive: true, force: true });
}
