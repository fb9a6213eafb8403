// `shipline render -o json|yaml|name` and `--output-dir` as a user runs them: the formats,
// the ManifestList document checked against its schema, and the pointed error for the
// old `-o DIR`.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../pipelines/model/yaml.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { shipline as cli } from '../support/cli.js';
import { expectDocument } from '../support/output-schema.js';

const golden = (name: string) => readFileSync(join(projectRoot, 'test', 'unit', 'golden', name), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'shipline-output-render-'));
const shipline = (...args: string[]) => cli(args, { cwd: dir });
writeFileSync(join(dir, 'shipline.yaml'), golden('2-weighted-canary.config.yaml'));

interface ManifestList { items: { apiVersion: string; kind: string; metadata: { name: string } }[] }

describe('render -o', () => {
  it('json: a ManifestList document that validates, holding exactly what the YAML default prints', async () => {
    const [json, yaml, text] = await Promise.all([shipline('render', '-o', 'json'), shipline('render', '-o', 'yaml'), shipline('render')]);
    expect(json.exitCode, json.stderr).toBe(0);
    const list = expectDocument<ManifestList>(JSON.parse(json.stdout), 'ManifestList');
    expect(list.items.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['DestinationRule/my-service', 'VirtualService/canary-release']);
    expect(toYaml(list.items)).toBe(golden('2-weighted-canary.istio.yaml'));
    expect(yaml.stdout).toBe(golden('2-weighted-canary.istio.yaml'));
    expect(text.stdout).toBe(yaml.stdout);
  });

  it('--json is -o json; Gateway API objects validate too', async () => {
    const [alias, json] = await Promise.all([shipline('render', '--api', 'gateway-api', '--json'), shipline('render', '--api', 'gateway-api', '-o', 'json')]);
    expect(alias.exitCode, alias.stderr).toBe(0);
    expect(alias.stdout).toBe(json.stdout);
    const list = expectDocument<ManifestList>(parse(alias.stdout), 'ManifestList');
    expect(list.items.map((o) => o.kind)).toEqual(['Service', 'Service', 'HTTPRoute']);
  });

  it('name: one kubectl-style name per object', async () => {
    const istio = await shipline('render', '-o', 'name');
    expect(istio.exitCode, istio.stderr).toBe(0);
    expect(istio.stdout).toBe('destinationrule.networking.istio.io/my-service\nvirtualservice.networking.istio.io/canary-release\n');
    const gateway = await shipline('render', '--api', 'gateway-api', '-o', 'name');
    expect(gateway.stdout).toBe('service/my-service-v1\nservice/my-service-v2\nhttproute.gateway.networking.k8s.io/canary-release\n');
  });

  it('--output-dir (-d) writes one YAML file per object and prints the paths', async () => {
    for (const flag of ['--output-dir', '-d']) {
      const out = `out${flag}`;
      const result = await shipline('render', flag, out);
      expect(result.exitCode, result.stderr).toBe(0);
      const files = readdirSync(join(dir, out)).sort();
      expect(files).toEqual(['destinationrule-my-service.yaml', 'virtualservice-canary-release.yaml']);
      expect(result.stdout).toBe(files.map((f) => `${join(out, f)}\n`).join(''));
      expect(files.map((f) => readFileSync(join(dir, out, f), 'utf8')).join('---\n')).toBe(golden('2-weighted-canary.istio.yaml'));
    }
  });

  it('a folder after -o (the old form) exits 2, points at --output-dir and writes nothing', async () => {
    const result = await shipline('render', '-o', 'rendered');
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('"rendered" is not an output format (text, yaml, json, name); to write one file per object into a folder, use --output-dir rendered (-d)');
    expect(existsSync(join(dir, 'rendered'))).toBe(false);
  });

  it('-o json with --output-dir exits 2 and writes nothing', async () => {
    const result = await shipline('render', '-o', 'json', '-d', 'both');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('-o json and --output-dir');
    expect(existsSync(join(dir, 'both'))).toBe(false);
  });
});
