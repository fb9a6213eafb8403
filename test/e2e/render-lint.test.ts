// `shipline render` and `shipline lint` as a user runs them, in a temp dir: exit codes,
// stdout/stderr, files written with -d, and nothing written for an invalid config.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../../pipelines/adapters/process.js';
import { paths } from '../../pipelines/stack/layout.js';

const root = join(import.meta.dirname, '..', '..');
const golden = (name: string) => readFileSync(join(root, 'test', 'unit', 'golden', name), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'shipline-render-'));
const shipline = (...args: string[]) => run(['node', join(root, 'scripts', 'shipline.mjs'), ...args], { cwd: dir, nothrow: true });

// A whole shipline.yaml: render reads only its routing section.
writeFileSync(join(dir, 'shipline.yaml'), `image:\n  repository: modco/link\n${golden('2-weighted-canary.config.yaml')}`);
writeFileSync(
  join(dir, 'bad.yaml'),
  golden('2-weighted-canary.config.yaml').replace('weight: 80', 'weight: 90').replace('{ subset: v2, weight: 20 }', '{ subset: v3, weight: 20, wieght: 1 }'),
);
writeFileSync(join(dir, 'fault.yaml'), golden('5-fault-injection.config.yaml'));
writeFileSync(join(dir, 'gw.yaml'), `${golden('2-weighted-canary.config.yaml')}  api: gateway-api\n`);

describe('shipline render', () => {
  it('prints the Istio manifests of ./shipline.yaml (default config, API and version)', async () => {
    const result = await shipline('render');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(golden('2-weighted-canary.istio.yaml'));
  });

  it('writes one file per object with -d (--output-dir), for Gateway API', async () => {
    const result = await shipline('render', '--api', 'gateway-api', '-d', 'out-gw');
    expect(result.exitCode, result.stderr).toBe(0);
    const files = readdirSync(join(dir, 'out-gw')).sort();
    expect(files).toEqual(['httproute-canary-release.yaml', 'service-my-service-v1.yaml', 'service-my-service-v2.yaml']);
    expect(result.stdout.trim().split('\n').sort()).toEqual(files.map((f) => join('out-gw', f)));
    const written = ['service-my-service-v1.yaml', 'service-my-service-v2.yaml', 'httproute-canary-release.yaml'].map((f) => readFileSync(join(dir, 'out-gw', f), 'utf8'));
    expect(written.join('---\n')).toBe(golden('2-weighted-canary.gateway-api.yaml'));
  });

  it('renders another Istio version into a directory', async () => {
    const result = await shipline('render', '--config', 'shipline.yaml', '--istio-version', 'v1alpha3', '-d', 'out-istio');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readdirSync(join(dir, 'out-istio')).sort()).toEqual(['destinationrule-my-service.yaml', 'virtualservice-canary-release.yaml']);
    expect(readFileSync(join(dir, 'out-istio', 'virtualservice-canary-release.yaml'), 'utf8')).toMatch(/^apiVersion: networking\.istio\.io\/v1alpha3\nkind: VirtualService\n/);
  });

  it('renders for routing.api of the config unless --api says otherwise', async () => {
    const fromConfig = await shipline('render', '--config', 'gw.yaml');
    expect(fromConfig.exitCode, fromConfig.stderr).toBe(0);
    expect(fromConfig.stdout).toBe(golden('2-weighted-canary.gateway-api.yaml'));
    const fromFlag = await shipline('render', '--config', 'gw.yaml', '--api', 'istio');
    expect(fromFlag.stdout).toBe(golden('2-weighted-canary.istio.yaml'));
  });

  it('exits 2 on an invalid config, names every problem on stderr and writes nothing', async () => {
    const result = await shipline('render', '--config', 'bad.yaml', '-d', 'out-bad');
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('bad.yaml: routing.rules[0].to: weights sum to 110, must be 100');
    expect(result.stderr).toContain('bad.yaml: routing.rules[0].to[1].subset: v3 is not defined in routing.subsets (defined: v1, v2)');
    expect(result.stderr).toContain('bad.yaml: routing.rules[0].to[1].wieght: unknown field; did you mean weight?');
    expect(result.stderr).toMatch(/\n {2}fix: /);
    expect(existsSync(join(dir, 'out-bad'))).toBe(false);
  });

  // Each bad input of issue 3 as a whole file: exit 2, the message, nothing written.
  const canary = golden('2-weighted-canary.config.yaml');
  const badInputs: [string, string, string][] = [
    ['weights', canary.replace('weight: 20', 'weight: 30'), 'routing.rules[0].to: weights sum to 110, must be 100'],
    ['percent', `${canary}      mirror: { subset: v2, percent: 120 }\n`, 'routing.rules[0].mirror.percent: must be between 0 and 100'],
    ['duration', `${canary}      timeout: 5 seconds\n`, 'routing.rules[0].timeout: must be a duration such as 5s'],
    ['negative-duration', `${canary}      retries: { attempts: 3, perTryTimeout: -1s }\n`, 'routing.rules[0].retries.perTryTimeout: must be a duration'],
    ['subset', canary.replace('{ subset: v2, weight: 20 }', '{ subset: v3, weight: 20 }'), 'routing.rules[0].to[1].subset: v3 is not defined in routing.subsets'],
    ['empty-to', canary.replace(/ {4}- to:\n[\s\S]*$/, '    - to: []\n'), 'routing.rules[0].to: needs at least one destination'],
    ['no-condition', canary.replace('    - to:', '    - match: {}\n      to:'), 'routing.rules[0].match: has no condition'],
    ['typo', canary.replace('gateways:', 'gatways:'), 'routing.gatways: unknown field; did you mean gateways?'],
    ['unreachable', `${canary}    - match: { path: { prefix: /late } }\n      to: [{ subset: v2 }]\n`, 'routing.rules[1]: unreachable: rules[0] has no match'],
    ['dns', canary.replace('name: canary-release', 'name: Canary_Release'), 'routing.name: must be a DNS-1123 name'],
    ['port', canary.replace('port: 80', 'port: 99999'), 'routing.port: must be a port between 1 and 65535'],
    ['not-yaml', 'routing: [unclosed\n', 'line 2, column 1'],
    ['aliases', ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'routing: [*c, *c]', ''].join('\n'), 'alias'],
  ];
  for (const [name, text, message] of badInputs) {
    it(`exits 2 for bad input "${name}", with file and path, writing nothing`, async () => {
      writeFileSync(join(dir, `${name}.yaml`), text);
      const result = await shipline('render', '--config', `${name}.yaml`, '-d', `out-${name}`);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toContain(`${name}.yaml: `);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe('');
      expect(existsSync(join(dir, `out-${name}`))).toBe(false);
    });
  }

  it('refuses a config whose rollout section has a typo (exit 2), and lint / validate name it with its fix', async () => {
    writeFileSync(join(dir, 'typo.yaml'), `image:\n  repository: modco/link\nrollout:\n  stratgy: canary\n${golden('2-weighted-canary.config.yaml')}`);
    const rendered = await shipline('render', '--config', 'typo.yaml', '-d', 'out-typo');
    expect(rendered.exitCode).toBe(2);
    expect(rendered.stderr).toContain('shipline: typo.yaml: rollout.stratgy: unknown field; did you mean strategy? (line 4, column 3)\n  fix: rename stratgy to strategy\n');
    expect(existsSync(join(dir, 'out-typo'))).toBe(false);
    const built = await shipline('build', '--dry-run', '--offline', '--config', 'typo.yaml');
    expect(built.exitCode).toBe(2);
    expect(built.stderr).toContain('rollout.stratgy: unknown field; did you mean strategy?');
    for (const args of [['lint', 'typo.yaml'], ['validate', 'typo.yaml']]) {
      const result = await shipline(...args);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stdout).toBe('typo.yaml:4:3: rollout.stratgy: unknown field; did you mean strategy?\n  fix: rename stratgy to strategy\n');
    }
    const valid = await shipline('validate', 'shipline.yaml');
    expect(valid.exitCode, valid.stderr).toBe(0);
    expect(valid.stdout).toBe('validate: shipline.yaml: every section checked; no findings\n');
  });

  it('exits 2 when Gateway API cannot express the config (fault injection), writing nothing', async () => {
    const result = await shipline('render', '--config', 'fault.yaml', '--api', 'gateway-api', '-d', 'out-fault');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('fault.yaml: routing.rules[0].fault: HTTPRoute cannot inject faults; render with --api istio');
    expect(existsSync(join(dir, 'out-fault'))).toBe(false);
  });

  it('exits 2 for a missing config file and an unknown API', async () => {
    const missing = await shipline('render', '--config', 'nope.yaml');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('nope.yaml: cannot read (ENOENT)');
    const api = await shipline('render', '--api', 'linkerd');
    expect(api.exitCode).toBe(2);
    expect(api.stderr).toContain("argument 'linkerd' is invalid");
  });
});

describe('shipline lint', () => {
  const lintSchema = JSON.parse(readFileSync(join(root, 'schema', 'output', 'LintResult.schema.json'), 'utf8')) as object;
  const validateLintResult = new Ajv2020({ strict: true, allErrors: true }).compile(lintSchema);

  it('exits 0 on rendered manifests, notes skipped non-routing documents and prints one summary line', async () => {
    const result = await shipline('lint', join('out-gw', 'httproute-canary-release.yaml'), join('out-gw', 'service-my-service-v1.yaml'), join('out-istio', 'virtualservice-canary-release.yaml'));
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toBe('lint: 3 files, 3 documents, kinds checked: HTTPRoute, VirtualService; no findings\n');
    expect(result.stderr).toContain('service-my-service-v1.yaml: doc 1 (Service/my-service-v1): skipped, v1 is not a routing API');
  });

  it('reads folders (-R for subfolders, .yaml/.yml/.json), -f beside positional files, and standard input with -f -', async () => {
    const flat = await shipline('lint', 'out-gw');
    expect(flat.exitCode, flat.stderr).toBe(0);
    expect(flat.stdout).toBe('lint: 3 files, 3 documents, kinds checked: HTTPRoute; no findings\n');
    mkdirSync(join(dir, 'tree', 'istio'), { recursive: true });
    writeFileSync(join(dir, 'tree', 'istio', 'vs.yml'), readFileSync(join(dir, 'out-istio', 'virtualservice-canary-release.yaml')));
    writeFileSync(join(dir, 'tree', 'route.json'), JSON.stringify(parse(readFileSync(join(dir, 'out-gw', 'httproute-canary-release.yaml'), 'utf8'))));
    const shallow = await shipline('lint', '-f', 'tree');
    expect(shallow.exitCode).toBe(0);
    expect(shallow.stdout).toBe('lint: 1 file, 1 document, kinds checked: HTTPRoute; no findings\n');
    const deep = await shipline('lint', '-R', '-f', 'tree', join('out-gw', 'service-my-service-v1.yaml'));
    expect(deep.stdout).toBe('lint: 3 files, 3 documents, kinds checked: HTTPRoute, VirtualService; no findings\n');
    const piped = await run(['node', join(root, 'scripts', 'shipline.mjs'), 'lint', '-f', '-'], { cwd: dir, nothrow: true, input: readFileSync(join(root, 'test', 'unit', 'fixtures', 'notes-patterns.yaml')) });
    expect(piped.exitCode).toBe(2);
    expect(piped.stdout).toMatch(/^<stdin>:65:7: VirtualService\/traffic-mirroring spec\.http\[0\]\.route\[1\]: mirror and mirrorPercentage/);
  });

  it("exits 2 on the notes' manifests and reports the misplaced mirror at its line and column", async () => {
    const notes = join(root, 'test', 'unit', 'fixtures', 'notes-patterns.yaml');
    const result = await shipline('lint', notes);
    expect(result.exitCode).toBe(2);
    expect(result.stdout.trim().split('\n')).toEqual([
      `${notes}:65:7: VirtualService/traffic-mirroring spec.http[0].route[1]: mirror and mirrorPercentage are not a route destination: in a VirtualService mirror and mirrorPercentage are fields of the HTTP route; move them out of the route list, up beside route (into spec.http[0])`,
      '  fix: move mirror and mirrorPercentage out of spec.http[0].route[1] into spec.http[0] (beside route), e.g. mirror: { host: …, subset: … } and mirrorPercentage: { value: 50 }',
    ]);
    expect(result.stderr).toContain('shipline: 1 finding in 1 file');
  });

  it('-o json and -o yaml print a LintResult that validates against its schema, with and without findings', async () => {
    const notes = join(root, 'test', 'unit', 'fixtures', 'notes-patterns.yaml');
    const bad = await shipline('lint', '-o', 'json', notes);
    expect(bad.exitCode).toBe(2);
    const found = JSON.parse(bad.stdout) as { valid: boolean; findings: { line: number; column: number; document: number }[] };
    expect(validateLintResult(found), JSON.stringify(validateLintResult.errors)).toBe(true);
    expect(found.valid).toBe(false);
    expect(found.findings.map((f) => [f.document, f.line, f.column])).toEqual([[3, 65, 7]]);
    const clean = await shipline('lint', '-o', 'yaml', 'out-gw');
    expect(clean.exitCode, clean.stderr).toBe(0);
    const document = parse(clean.stdout) as { valid: boolean; files: number };
    expect(validateLintResult(document), JSON.stringify(validateLintResult.errors)).toBe(true);
    expect([document.valid, document.files]).toEqual([true, 3]);
  });

  it('render -o json | lint - checks every object of the ManifestList, naming the item', async () => {
    const rendered = await shipline('render', '-o', 'json');
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    const piped = (input: string) => run(['node', join(root, 'scripts', 'shipline.mjs'), 'lint', '-'], { cwd: dir, nothrow: true, input });
    const clean = await piped(rendered.stdout);
    expect(clean.exitCode, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toBe('lint: 1 file, 2 documents, kinds checked: DestinationRule, VirtualService; no findings\n');
    const list = JSON.parse(rendered.stdout) as { items: { kind: string; spec: Record<string, unknown> }[] };
    const vs = list.items.findIndex((o) => o.kind === 'VirtualService');
    list.items[vs]!.spec.gatwayz = ['x'];
    const broken = await piped(JSON.stringify(list, null, 2));
    expect(broken.exitCode).toBe(2);
    expect(broken.stdout).toMatch(new RegExp(`^<stdin>:\\d+:\\d+: VirtualService/canary-release \\(doc 1 item ${vs + 1}\\) spec\\.gatwayz: unknown field; did you mean gateways\\?\\n  fix: rename gatwayz to gateways\\n$`));
  });

  it('a kubectl List of broken routes fails with its items named; a tab is one finding with its fix', async () => {
    const vs = (name: string, extra: string) => `- apiVersion: networking.istio.io/v1\n  kind: VirtualService\n  metadata: { name: ${name} }\n  spec:\n    hosts: [a]\n    http: [{ route: [{ destination: { host: a } }] }]\n${extra}`;
    writeFileSync(join(dir, 'list.yaml'), `apiVersion: v1\nkind: List\nitems:\n${vs('ok', '')}${vs('typo', '    gatways: [g]\n')}${vs('regex', '').replace('http: [{ route', 'http: [{ match: [{ uri: { prefix: "/api/.*" } }], route')}`);
    const result = await shipline('lint', 'list.yaml');
    expect(result.exitCode).toBe(2);
    expect(result.stdout.split('\n').filter((l) => !l.startsWith('  fix: '))).toEqual([
      'list.yaml:16:5: VirtualService/typo (doc 1 item 2) spec.gatways: unknown field; did you mean gateways?',
      'list.yaml:22:31: VirtualService/regex (doc 1 item 3) spec.http[0].match[0].uri.prefix: "/api/.*" looks like a regular expression, but prefix matches it literally',
      '',
    ]);
    expect(result.stdout).toContain('  fix: write regex: "/api/.*" (RE2, matches the whole path)\n');
    expect(result.stderr).toContain('shipline: 2 findings in 1 file');
    writeFileSync(join(dir, 'vs-tab.yaml'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: a\nspec:\n  hosts: [a]\n  http:\n\t- route: []\n');
    const tab = await shipline('lint', '-o', 'json', 'vs-tab.yaml');
    expect(tab.exitCode).toBe(2);
    const found = JSON.parse(tab.stdout) as { findings: { line: number; column: number; message: string; fix: string }[] };
    expect(validateLintResult(found), JSON.stringify(validateLintResult.errors)).toBe(true);
    expect(found.findings.map((f) => [f.line, f.column, f.message, f.fix])).toEqual([[8, 1, 'YAML syntax: tabs are not allowed as indentation', 'indent with spaces: YAML does not allow tabs in indentation']]);
  });

  it('warns about a TCPRoute of v1alpha2 (exit 0), fails it with --strict', async () => {
    writeFileSync(join(dir, 'tcp.yaml'), 'apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: { name: tcp-echo }\nspec:\n  parentRefs: [{ name: gw }]\n  rules:\n  - backendRefs: [{ name: tcp-echo, port: 9000 }]\n');
    const warned = await shipline('lint', 'tcp.yaml');
    expect(warned.exitCode, warned.stderr).toBe(0);
    expect(warned.stdout).toMatch(/^tcp\.yaml:1:1: warning: TCPRoute\/tcp-echo apiVersion: TCPRoute gateway\.networking\.k8s\.io\/v1alpha2 is not served by the bundled CRDs \(Gateway API v1\.7\.0 standard channel\); served by Gateway API releases up to v1\.5/);
    expect(warned.stdout).toMatch(/\nlint: 1 file, 1 document, kinds checked: TCPRoute; no errors, 1 warning\n$/);
    const strict = await shipline('lint', '--strict', 'tcp.yaml');
    expect(strict.exitCode).toBe(2);
    // The local stack's cluster has the v1.7.0 CRDs: it does not serve v1alpha2 either.
    const asked = await shipline('lint', '--cluster', '--kubeconfig', paths.kubeconfig(), 'tcp.yaml');
    expect(asked.exitCode, asked.stderr).toBe(2);
    expect(asked.stdout).toMatch(/^tcp\.yaml:1:1: TCPRoute\/tcp-echo apiVersion: .*; the cluster \(context [^)]+\) does not serve it either\n {2}fix: write apiVersion: gateway\.networking\.k8s\.io\/v1 \(served since v1\.6\)\n$/);
  });

  it('apply --dry-run=client, apply and diff refuse what lint rejects before contacting the cluster', async () => {
    writeFileSync(join(dir, 'vs-typo.yaml'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: a }\nspec:\n  hosts: [a]\n  htttp: []\n  gatways: [x]\n  tcpp: 1\n  http: [{ route: [{ destination: { host: a } }] }]\n');
    // A kubeconfig whose server nothing listens on: contacting it would fail with exit 1.
    writeFileSync(join(dir, 'nowhere.kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:9" } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: x, context: { cluster: c, user: u } }]\ncurrent-context: x\n');
    for (const args of [['apply', '--dry-run=client'], ['apply'], ['apply', '--dry-run=server'], ['diff']]) {
      const result = await shipline(...args, '-f', 'vs-typo.yaml', '--kubeconfig', 'nowhere.kubeconfig');
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`shipline: ${args[1] === '--dry-run=client' ? 'apply --dry-run=client' : args[0]}: lint finds 3 errors in the routing objects; nothing was sent:\nvs-typo.yaml:6:3: VirtualService/a spec.htttp: unknown field; did you mean http?\n  fix: rename htttp to http\n`);
      expect(result.stdout).toBe('');
    }
    const clean = await shipline('apply', '--dry-run=client', '-f', join('out-istio', 'virtualservice-canary-release.yaml'));
    expect(clean.exitCode, clean.stderr).toBe(0);
  });

  it('on several worker threads prints exactly what one thread prints, in input order', async () => {
    // 600 files of the rendered and notes' manifests, some broken.
    const many = join(dir, 'many');
    mkdirSync(many);
    const sources = [
      readFileSync(join(dir, 'out-istio', 'virtualservice-canary-release.yaml'), 'utf8'),
      readFileSync(join(dir, 'out-gw', 'httproute-canary-release.yaml'), 'utf8'),
      readFileSync(join(root, 'test', 'unit', 'fixtures', 'notes-patterns.yaml'), 'utf8'),
    ];
    for (let i = 0; i < 600; i++) {
      const text = sources[i % sources.length]!.replaceAll('canary-release', `r-${i}`);
      writeFileSync(join(many, `m${String(i).padStart(4, '0')}.yaml`), i % 97 === 0 ? `${text.trimEnd()}\n  bogus${i}: 1\n` : text);
    }
    const lintWith = (threads: string, ...args: string[]) =>
      run(['node', join(root, 'scripts', 'shipline.mjs'), 'lint', ...args, 'many'], { cwd: dir, nothrow: true, env: { ...process.env, SHIPLINE_LINT_THREADS: threads } });
    for (const [args, threads] of [[[], '2'], [['-o', 'json'], '3']] as const) {
      const one = await lintWith('1', ...args);
      const several = await lintWith(threads, ...args);
      expect(one.exitCode).toBe(2);
      expect(one.stdout.split('\n').length).toBeGreaterThan(200);
      expect([several.exitCode, several.stdout, several.stderr]).toEqual([one.exitCode, one.stdout, one.stderr]);
    }
  });

  it('exits 2 for a path it cannot read and when given nothing', async () => {
    const result = await shipline('lint', 'missing.yaml');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('missing.yaml: no such file or folder');
    const nothing = await shipline('lint');
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toContain('lint: no manifests given');
  });
});
