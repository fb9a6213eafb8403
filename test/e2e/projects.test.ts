// Projects through the real CLI, in temp folders outside shipline's checkout: how every
// command finds shipline.yaml, `init` and `bundle create` refusing to overwrite, `explain`,
// and errors that say where and how to fix. Needs no cluster, registry or builder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { shipline } from '../support/cli.js';

const minimal = 'image:\n  repository: registry.example.com/acme/link\n  dockerfile: Dockerfile\nrouting:\n  name: link\n  hosts: [link.example.com]\n  service: link\n  port: 8080\n  rules:\n    - to: [{ service: link }]\n';

async function gitRepo(): Promise<string> {
  const repo = mkdtempSync(join(tmpdir(), 'shipline-project-'));
  await run(['git', 'init', '-q', repo]);
  return repo;
}

describe('finding shipline.yaml', () => {
  it('outside a project: build --dry-run, render and check exit 2 naming the folder and `shipline init`; nothing is built', async () => {
    const repo = await gitRepo();
    const below = join(repo, 'src', 'app');
    mkdirSync(below, { recursive: true });
    for (const args of [['build', '--dry-run', '--offline'], ['render'], ['check'], ['rollout', 'status']]) {
      const result = await shipline(args, { cwd: below });
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`shipline: no shipline.yaml in ${below} or its parents up to ${repo} — run \`shipline init\``);
      expect(result.stdout).toBe('');
    }
  });

  it('apply, diff and delete need no project, as with kubectl: outside one they get to the files', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'shipline-noproject-'));
    for (const command of ['apply', 'diff', 'delete']) {
      const result = await shipline([command, '-f', 'nope.yaml'], { cwd: empty });
      expect(result.stderr, command).not.toContain('no shipline.yaml');
      expect(result.stderr, command).toContain('nope.yaml');
      expect(result.exitCode, command).toBe(2);
    }
  });

  it('finds the project file in a parent up to the git root, for every command alike', async () => {
    const repo = await gitRepo();
    writeFileSync(join(repo, 'shipline.yaml'), minimal);
    writeFileSync(join(repo, 'Dockerfile'), 'FROM scratch\n');
    const below = join(repo, 'src', 'app');
    mkdirSync(below, { recursive: true });
    const render = await shipline(['render'], { cwd: below });
    expect(render.exitCode, render.stderr).toBe(0);
    expect(render.stdout).toContain('kind: VirtualService\nmetadata:\n  name: link\n');
    const build = await shipline(['build', '--dry-run', '--offline', '--date', '2024-01-26', '--no-push', '--oci', 'out.tar'], { cwd: below });
    expect(build.exitCode, build.stderr).toBe(0);
    expect(build.stdout).toContain('registry.example.com/acme/link:20240126');
    expect(build.stdout).toContain(`-f Dockerfile --output type=oci,dest=${join(below, 'out.tar')}`);
  });

  it('does not look above the git root', async () => {
    const outer = mkdtempSync(join(tmpdir(), 'shipline-outer-'));
    writeFileSync(join(outer, 'shipline.yaml'), minimal);
    const repo = join(outer, 'repo');
    await run(['git', 'init', '-q', repo]);
    const result = await shipline(['render'], { cwd: repo });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`no shipline.yaml in ${repo} or its parents up to ${repo}`);
  });

  it('uses the embedded sample only with --config @sample outside shipline\'s checkout, and by default inside it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'shipline-sample-'));
    const sample = await shipline(['render', '--config', '@sample'], { cwd: empty });
    expect(sample.exitCode, sample.stderr).toBe(0);
    expect(sample.stdout).toContain('hosts:\n    - link.example.com');
    const inside = await shipline(['render'], { cwd: join(projectRoot, 'service') });
    expect(inside.stdout).toBe(sample.stdout);
  });

  it('says the same about --config in every command\'s help', async () => {
    const lines = await Promise.all(['build', 'render', 'check', 'release', 'rollout status'].map(async (command) => {
      const help = await shipline([...command.split(' '), '--help'], { cwd: tmpdir() });
      const from = help.stdout.indexOf('-c, --config');
      const block = help.stdout.slice(from, help.stdout.indexOf('\n  -', from + 1));
      return block.replace(/\s+/g, ' ');
    }));
    expect(new Set(lines).size, lines.join('\n')).toBe(1);
    expect(lines[0]).toContain('shipline.yaml in this folder or a parent up to the git root; @sample: the embedded sample');
  });
});

describe('init', () => {
  it('writes every field with a $schema that exists, refuses to overwrite without --force (exit 2, nothing written)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-init-'));
    const first = await shipline(['init'], { cwd: dir });
    expect(first.exitCode, first.stderr).toBe(0);
    const text = readFileSync(join(dir, 'shipline.yaml'), 'utf8');
    const schema = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)![1]!;
    expect(existsSync(schema.startsWith('/') ? schema : join(dir, schema)), schema).toBe(true);
    const config = parse(text) as { image: { repository: string }; routing: { gateways: string[] } };
    expect(config.image.repository).not.toContain('127.0.0.1');
    expect(text).toContain('# targetPort:');
    expect(text).toContain('lease: { duration: 30s }');
    writeFileSync(join(dir, 'shipline.yaml'), 'mine\n');
    const again = await shipline(['init'], { cwd: dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('shipline: shipline.yaml already exists; nothing was written\n  fix: pass --force to overwrite it');
    expect(readFileSync(join(dir, 'shipline.yaml'), 'utf8')).toBe('mine\n');
    const forced = await shipline(['init', '--force'], { cwd: dir });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'shipline.yaml'), 'utf8')).toBe(text);
    // The written config is the project now: render uses it (with its Dockerfile-less image section).
    const render = await shipline(['render'], { cwd: dir });
    expect(render.exitCode, render.stderr).toBe(0);
  });
});

describe('bundle create', () => {
  it('refuses to overwrite its output without --force (exit 2, file untouched)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-bundle-force-'));
    writeFileSync(join(dir, 'link.bundle.tar'), 'keep me\n');
    const result = await shipline(['bundle', 'create', '--oci', 'link.tar', '--image', 'modco/link:1', '-o', 'link.bundle.tar'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('shipline: link.bundle.tar already exists; nothing was written\n  fix: pass --force to overwrite it, or -o another path');
    expect(readFileSync(join(dir, 'link.bundle.tar'), 'utf8')).toBe('keep me\n');
    // With --force it goes on to the inputs (here: no such OCI tarball) and still leaves the file as it was.
    const forced = await shipline(['bundle', 'create', '--force', '--oci', 'link.tar', '--image', 'modco/link:1', '-o', 'link.bundle.tar'], { cwd: dir });
    expect(forced.stderr).not.toContain('already exists');
    expect(forced.exitCode).not.toBe(0);
    expect(readFileSync(join(dir, 'link.bundle.tar'), 'utf8')).toBe('keep me\n');
  });
});

describe('explain and errors a person can act on', () => {
  it('explains a field from the schema', async () => {
    const result = await shipline(['explain', 'routing.rules.retries'], { cwd: tmpdir() });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      'routing.rules.retries: Retry failed requests.\n  type:     mapping\n  default:  none (optional)\n' +
        '  fields:   attempts, perTryTimeout, on, backoff  (shipline explain routing.rules.retries.FIELD)\n' +
        '  example:\n    routing:\n      rules:\n        - retries:\n            attempts: 3\n            perTryTimeout: 1s\n            on: 5xx,reset\n',
    );
    const unknown = await shipline(['explain', 'routing.rules.retires'], { cwd: tmpdir() });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('shipline: explain routing.rules.retires: routing.rules has no field retires\n  fix: did you mean routing.rules.retries,');
  });

  it('names line, column and a specific fix for a tab, a regex-looking prefix and a glob', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-mistakes-'));
    writeFileSync(join(dir, 'tab.yaml'), minimal.replace('  service: link', '\tservice: link'));
    const tab = await shipline(['render', '-c', 'tab.yaml'], { cwd: dir });
    expect(tab.exitCode).toBe(2);
    expect(tab.stderr).toContain('shipline: tab.yaml: line 7, column 1: Tabs are not allowed as indentation\n  fix: YAML indents with spaces only');
    writeFileSync(
      join(dir, 'shipline.yaml'),
      minimal.replace('    - to: [{ service: link }]\n', '    - match: { path: { prefix: "^/service1/.*" } }\n      to: [{ service: s1 }]\n    - match: { path: { prefix: /service2/* } }\n      to: [{ service: s2 }]\n    - to: [{ service: link }]\n'),
    );
    const bad = await shipline(['render'], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('shipline.yaml: routing.rules[0].match.path.prefix: "^/service1/.*" looks like a regular expression, but prefix matches it literally; write regex: "^/service1/.*" (RE2, matches the whole path) (line 10, column 24)');
    expect(bad.stderr).toContain('shipline.yaml: routing.rules[1].match.path.prefix: "/service2/*" is a glob, but prefix matches it literally (no wildcards); write prefix: /service2');
    expect(bad.stderr).toContain('fix: fix each field named above; `shipline explain routing.rules.match.path.prefix`');
    expect(bad.stderr).not.toMatch(/\.ts\b/);
  });
});
