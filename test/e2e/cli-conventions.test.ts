// The conventions every command shares, through the real CLI: one-line usage errors with
// commander's suggestion, completion scripts (bash sourced in a real bash), `version`,
// -v/--quiet, colour only on a terminal (a real pseudo-terminal from `script`), and
// kubectl's --dry-run modes. Only the release dry runs use the local stack.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { shipline } from '../support/cli.js';
import { writeSyntheticOci } from '../../scripts/bench/fixtures/synthetic-oci.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'shipline-conventions-'));
const entry = join(root, 'scripts', 'shipline.mjs');
const esc = '\u001b[';

writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conventions-cm}\ndata: {a: b}\n');

/** A kubeconfig whose server accepts connections and never answers (a hung API server). */
let hung: Server;
const sockets: Socket[] = [];
let hungPort = 0;
beforeAll(async () => {
  hung = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  hungPort = (hung.address() as { port: number }).port;
  writeFileSync(join(dir, 'hung.yaml'), kubeconfig([['hung', `https://127.0.0.1:${hungPort}`]], 'hung'));
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  hung.close();
});

export function kubeconfig(contexts: [string, string][], current?: string): string {
  const lines = ['apiVersion: v1', 'kind: Config', ...(current ? [`current-context: ${current}`] : []), 'clusters:'];
  for (const [name, server] of contexts) lines.push(`- name: ${name}-cluster`, '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true');
  lines.push('users:', '- name: conventions-user', '  user: {token: not-a-token}', 'contexts:');
  for (const [name] of contexts) lines.push(`- name: ${name}`, '  context:', `    cluster: ${name}-cluster`, '    user: conventions-user');
  return `${lines.join('\n')}\n`;
}

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => shipline(args, { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: undefined, ...env } });

describe('usage errors', () => {
  it('an unknown option is one line naming it, the closest valid option, and the help to read', async () => {
    const result = await cli(['build', '--forse']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("shipline: unknown option '--forse'; did you mean --force? (see shipline build --help)\n");
  });

  it('names the subcommand path of a nested command', async () => {
    const result = await cli(['rollout', 'status', '--kubeconfg', 'x']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("shipline: unknown option '--kubeconfg'; did you mean --kubeconfig? (see shipline rollout status --help)\n");
  });

  it('a mistyped required option is reported as unknown, not as the required one missing', async () => {
    const result = await cli(['rollout', 'canary', '--imgae', 'x']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("shipline: unknown option '--imgae'; did you mean --image? (see shipline rollout canary --help)\n");
  });

  it('an unknown command gets the closest command, not the whole help', async () => {
    const result = await cli(['rolout']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("shipline: unknown command 'rolout'; did you mean rollout? (see shipline --help)\n");
  });

  it('--help still prints the help, on stdout, exit 0', async () => {
    const result = await cli(['apply', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: shipline apply');
    expect(result.stdout).toContain('--dry-run [mode]');
  });
});

describe('completion', () => {
  const scripts: Record<string, string> = {};
  beforeAll(async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const result = await cli(['completion', shell]);
      expect(result.exitCode, result.stderr).toBe(0);
      scripts[shell] = result.stdout;
      writeFileSync(join(dir, `completion.${shell}`), result.stdout);
    }
  });

  /** What bash completes for the words typed so far (the last one is being completed). */
  async function complete(...words: string[]): Promise<string[]> {
    const array = ['shipline', ...words].map((w) => `'${w}'`).join(' ');
    const script = `source ${join(dir, 'completion.bash')}; COMP_WORDS=(${array}); COMP_CWORD=${words.length}; _shipline; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = await run(['bash', '--norc', '--noprofile', '-c', script], { cwd: dir, nothrow: true });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    return result.stdout.split('\n').filter(Boolean);
  }

  it('bash: the registered complete function, commands, subcommands and options', async () => {
    const registered = await run(['bash', '--norc', '-c', `source ${join(dir, 'completion.bash')}; complete -p shipline`], { nothrow: true });
    expect(registered.stdout.trim()).toBe('complete -o default -F _shipline shipline');
    expect(await complete('ro')).toEqual(['rollout']);
    expect(await complete('')).toEqual(expect.arrayContaining(['apply', 'build', 'bundle', 'check', 'completion', 'render', 'rollout', 'release', 'version']));
    expect((await complete('rollout', '')).sort()).toEqual(['abort', 'canary', 'header', 'help', 'mirror', 'promote', 'report', 'rollback', 'status', 'subset']);
    expect(await complete('rollout', 'canary', '--ku')).toEqual(['--kubeconfig']);
    expect(await complete('check', '--context', 'x', '-')).toEqual(expect.arrayContaining(['-n', '--namespace', '--kubeconfig', '--verbose', '--quiet']));
    expect(await complete('bundle', 'im')).toEqual(['import']);
  });

  it('bash: choices of an option and of an argument; files for other values', async () => {
    expect(await complete('render', '--api', '')).toEqual(['istio', 'gateway-api']);
    expect(await complete('apply', '-f', 'cm', '--dry-run', '')).toEqual(['client', 'server', 'none']);
    expect(await complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(await complete('apply', '-f', 'cm.')).toEqual(['cm.yaml']);
    expect(await complete('rollout', 'status', '-c', 'cm.')).toEqual(['cm.yaml']);
    // The option's value is skipped: the options offered are still rollout status's.
    expect(await complete('rollout', 'status', '-c', 'cm.yaml', '--wa')).toEqual(['--watch']);
  });

  /** What fish completes for the command line typed so far (`complete -C`), names only. */
  async function fishComplete(line: string): Promise<string[]> {
    const result = await run(['fish', '--no-config', '-c', `source ${join(dir, 'completion.fish')}; complete -C ${JSON.stringify(line)}`], { cwd: dir, nothrow: true });
    expect(result.exitCode, result.stderr).toBe(0);
    return result.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
  }

  /**
   * The line zsh shows after Tab, typed into a real interactive zsh (zpty) that loaded the
   * script with compinit: a unique candidate is completed in place.
   */
  async function zshTab(line: string): Promise<string> {
    const driver = join(dir, 'zsh-tab.zsh');
    writeFileSync(driver, [
      'zmodload zsh/zpty',
      "zpty z 'TERM=xterm zsh -f -i'",
      `zpty -w z 'PS1="> "; bindkey -e; autoload -Uz compinit; compinit -u -D; source ${join(dir, 'completion.zsh')}; print READY'`,
      "zpty -r z out '*READY*'; zpty -r z out '*READY*'",
      "zpty -n -w z \"$1\"$'\\t'",
      'sleep 1',
      "zpty -n -w z $'\\C-a print -r -- LINE:\\C-e:END\\n'",
      "zpty -r z out '*:END*'; zpty -r z out '*:END*'",
      'print -r -- "$out"',
      'zpty -d z',
      '',
    ].join('\n'));
    const result = await run(['zsh', '-f', driver, line], { cwd: dir, nothrow: true, timeoutMs: 20_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    return /LINE:(.*):END/.exec(result.stdout)?.[1] ?? `no line in: ${result.stdout}`;
  }

  it('fish: commands, subcommands, options and their choices, run in a real fish', async () => {
    expect(await fishComplete('shipline ro')).toEqual(['rollout']);
    expect(await fishComplete('shipline rollout canary --ku')).toEqual(['--kubeconfig']);
    expect((await fishComplete('shipline render --api ')).sort()).toEqual(['gateway-api', 'istio']);
    expect(await fishComplete('shipline bundle im')).toEqual(['import']);
  });

  it('zsh: Tab completes commands, options and choices in a real interactive zsh', async () => {
    expect(scripts.zsh).toMatch(/^#compdef shipline\n/);
    expect(await zshTab('shipline ro')).toBe('shipline rollout');
    expect(await zshTab('shipline rollout canary --ku')).toBe('shipline rollout canary --kubeconfig');
    expect(await zshTab('shipline render --api gat')).toBe('shipline render --api gateway-api');
    expect(await zshTab('shipline completion fi')).toBe('shipline completion fish');
  });

  it('refuses another shell in one line', async () => {
    const result = await cli(['completion', 'tcsh']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('Allowed choices are bash, zsh, fish');
  });
});

describe('version', () => {
  const schema = JSON.parse(readFileSync(join(root, 'schema', 'output', 'Version.schema.json'), 'utf8')) as object;
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

  it('prints shipline and Node, and an unanswering cluster as unreachable within the deadline', async () => {
    const started = performance.now();
    const result = await cli(['version', '--kubeconfig', join(dir, 'hung.yaml'), '--timeout', '1']);
    const seconds = (performance.now() - started) / 1000;
    expect(result.exitCode, result.stderr).toBe(0);
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(result.stdout).toMatch(new RegExp(`^shipline  ${version.replaceAll('.', '\\.')}\nnode      ${process.versions.node.replaceAll('.', '\\.')}\n`));
    expect(result.stdout).toContain(`cluster   unreachable (context hung, https://127.0.0.1:${hungPort}:`);
    expect(result.stdout).toContain('routing   unreachable (cluster unreachable)');
    // Node start, the bundle check and the 1 s probes; far below the 30 s request default.
    expect(seconds).toBeLessThan(8);
  });

  it('-o json is a Version document valid against schema/output/Version.schema.json', async () => {
    const result = await cli(['version', '-o', 'json', '--kubeconfig', join(dir, 'hung.yaml'), '--timeout', '1']);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { apiVersion: string; kind: string; components: { name: string; status: string }[] };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.apiVersion).toBe('shipline.dev/v1');
    expect(doc.kind).toBe('Version');
    expect(doc.components.map((c) => c.name)).toEqual(['shipline', 'node', 'buildx', 'buildkit', 'cluster', 'routing']);
    expect(doc.components.find((c) => c.name === 'cluster')?.status).toBe('unreachable');
  });

  it('-v prints the programs run, on stderr', async () => {
    const result = await cli(['-v', 'version', '--kubeconfig', join(dir, 'hung.yaml'), '--timeout', '1']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('$ docker buildx version\n');
    expect(result.stdout).not.toContain('$ docker');
  });
});

describe('--quiet', () => {
  it('keeps only errors and the result', async () => {
    writeFileSync(join(dir, 'mixed.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    const loud = await cli(['lint', 'mixed.yaml']);
    const quiet = await cli(['--quiet', 'lint', 'mixed.yaml']);
    expect(loud.exitCode).toBe(quiet.exitCode);
    expect(loud.stderr).not.toBe('');
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe(loud.stdout);
  });

  it('still prints errors', async () => {
    const result = await cli(['-q', 'apply', '-f', 'missing.yaml']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^shipline: .*missing\.yaml/);
  });
});

describe('colour', () => {
  /** Runs shipline on a pseudo-terminal (util-linux `script`), stderr joined to it. */
  const onTerminal = (args: string, env: NodeJS.ProcessEnv = {}) =>
    run(['script', '-qec', `node ${entry} ${args}`, '/dev/null'], { cwd: dir, nothrow: true, env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm', ...env } });

  it('colours the error prefix and the fix line on a terminal', async () => {
    const result = await onTerminal('apply -f cm.yaml --kubeconfig missing.yaml');
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(`${esc}1m${esc}31mshipline:${esc}39m${esc}22m --kubeconfig missing.yaml: no such file`);
    expect(result.stdout).toContain(`${esc}33mfix:${esc}39m check the path`);
  });

  it('honours NO_COLOR on a terminal', async () => {
    const result = await onTerminal('apply -f cm.yaml --kubeconfig missing.yaml', { NO_COLOR: '1' });
    expect(result.stdout).toContain('shipline: --kubeconfig missing.yaml: no such file');
    expect(result.stdout).not.toContain(esc);
  });

  it('no colour into a pipe; FORCE_COLOR turns it on there', async () => {
    const piped = await cli(['apply', '-f', 'cm.yaml', '--kubeconfig', 'missing.yaml']);
    expect(piped.stderr).toContain('shipline: --kubeconfig missing.yaml: no such file');
    expect(piped.stderr).not.toContain(esc);
    const forced = await cli(['apply', '-f', 'cm.yaml', '--kubeconfig', 'missing.yaml'], { FORCE_COLOR: '1' });
    expect(forced.stderr).toContain(esc);
  });
});

describe('--dry-run modes', () => {
  const nowhere = { KUBECONFIG: join(dir, 'no-such-kubeconfig.yaml') };

  it('apply: a bare --dry-run is client: files checked here, no cluster asked', async () => {
    for (const args of [['apply', '--dry-run', '-f', 'cm.yaml'], ['apply', '-f', 'cm.yaml', '--dry-run'], ['apply', '-f', 'cm.yaml', '--dry-run=client'], ['apply', '--dry-run', 'client', '-f', 'cm.yaml']]) {
      const result = await cli(args, nowhere);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toBe('ConfigMap/conventions-cm (cm.yaml doc 1) (client dry run: checked here, not sent)\n');
    }
  });

  it('apply: server and none need the cluster (here: the missing KUBECONFIG is named)', async () => {
    for (const mode of ['server', 'none']) {
      const result = await cli(['apply', '-f', 'cm.yaml', `--dry-run=${mode}`], nowhere);
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toContain(`KUBECONFIG names ${nowhere.KUBECONFIG}: no such file`);
    }
  });

  it('refuses an unknown mode, and a mode the command has none of', async () => {
    const bogus = await cli(['apply', '-f', 'cm.yaml', '--dry-run=bogus']);
    expect(bogus.exitCode).toBe(2);
    expect(bogus.stderr).toBe("shipline: option '--dry-run [mode]' argument 'bogus' is invalid. Allowed choices are client, server, none. (see shipline apply --help)\n");
    const build = await cli(['build', '--dry-run=server', '--offline']);
    expect(build.exitCode).toBe(2);
    expect(build.stderr).toContain('--dry-run=server: build has no server dry run');
    expect(build.stderr).toContain('fix: use --dry-run=client');
  });

  it('bundle import: client opens the bundle and rewrites the manifests, contacting no registry; server asks the registry', async () => {
    const image = await writeSyntheticOci(join(dir, 'image.tar'), { platforms: ['linux/amd64'], layersPerPlatform: 1, layerSize: 4096, seed: `conventions-${Date.now()}` });
    writeFileSync(join(dir, 'deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: conv}\nspec:\n  selector: {matchLabels: {app: conv}}\n  template:\n    metadata: {labels: {app: conv}}\n    spec:\n      containers: [{name: conv, image: air/conv:1}]\n');
    const created = await cli(['bundle', 'create', '--oci', image.file, '--image', 'air/conv:1', '--manifests', 'deploy.yaml', '-o', 'conv.bundle.tar', '--compress', 'none']);
    expect(created.exitCode, created.stderr).toBe(0);
    // Port 1: nothing listens; a client dry run must not notice.
    const client = await cli(['bundle', 'import', 'conv.bundle.tar', '--registry', '127.0.0.1:1', '--dry-run', '--manifests-out', 'out']);
    expect(client.exitCode, client.stderr).toBe(0);
    expect(client.stdout).toBe(`127.0.0.1:1/air/conv:1@${image.indexDigest} (client dry run: not pushed)\n`);
    expect(client.stderr).toContain(`would rewrite manifests/deploy.yaml spec.template.spec.containers[0].image: air/conv:1 → 127.0.0.1:1/air/conv@${image.indexDigest}`);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const server = await cli(['bundle', 'import', 'conv.bundle.tar', '--registry', '127.0.0.1:1', '--dry-run=server', '--retries', '1']);
    expect(server.exitCode).toBe(1);
    expect(server.stderr).toContain('127.0.0.1:1');
  });

  it('release (local stack): client renders the manifests without sending them; server also dry-runs and diffs them', async () => {
    const plan = async (mode: string) => {
      const result = await cli(['release', '--config', '@sample', mode, '--json'], { CI: 'true' });
      expect(result.exitCode, result.stderr).toBe(0);
      return { summary: JSON.parse(result.stdout) as { dryRun: boolean; manifests: string[]; diffs?: string[] }, stderr: result.stderr };
    };
    const client = await plan('--dry-run');
    expect(client.summary.dryRun).toBe(true);
    expect(client.summary.manifests).toEqual(expect.arrayContaining(['HTTPRoute/link', 'Service/link']));
    expect(client.summary.diffs).toEqual([]);
    expect(client.stderr).toContain('rendered (client dry run: not sent to the server)');
    const server = await plan('--dry-run=server');
    expect(server.summary.manifests).toEqual(client.summary.manifests);
    expect(server.summary.diffs!.length).toBeGreaterThan(0);
    expect(server.stderr).toContain('(server dry run)');
  });
});
