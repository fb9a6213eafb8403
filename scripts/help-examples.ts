// Examples at the end of each command's --help (1 to 3 each, each line at most 100 columns),
// kept in one table so that they read as a set. test/e2e/help.test.ts checks that every
// command has them, that they name only options the command has, and that each help fits on
// one screen.
import type { Command } from 'commander';

type Example = [command: string, comment?: string];

const digest = 'REPO@sha256:…';

const examples: Record<string, Example[]> = {
  '': [
    ['init', 'a commented shipline.yaml to start from'],
    ['release --dry-run', 'the whole plan; changes nothing'],
    ['build --help', 'the options and examples of one command'],
  ],
  stack: [['stack up', 'install what is missing, start every part'], ['stack status']],
  'stack up': [['stack up']],
  'stack down': [['stack down']],
  'stack packages': [['stack packages --plain', 'package names only, one per line']],
  'stack status': [['stack status'], ['stack status --json']],
  build: [
    ['build --dry-run --date 2024-01-26', 'the buildx commands it runs'],
    ['build --tag v1.2.0 --platform linux/amd64'],
    ['build --no-push --oci link_{tag}.tar --offline', 'an OCI tarball, no registry'],
  ],
  render: [
    ['render', 'the routing of ./shipline.yaml as YAML'],
    ['render --api gateway-api'],
    ['render -c staging.yaml --istio-version v1beta1'],
  ],
  lint: [['lint routes.yaml gateway.yaml'], ['lint deploy/*.yaml']],
  check: [['check', 'what routing the cluster serves'], ['check --context staging --json']],
  apply: [
    ['apply -f routes.yaml --diff', 'what would change; changes nothing'],
    ['apply -f deploy/ -n shop'],
    ['apply -f routes.yaml --dry-run=server'],
  ],
  diff: [['diff -f routes.yaml'], ['diff -f deploy/ --context staging -n shop']],
  delete: [['delete -f service/deploy/link.yaml'], ['delete -f routes.yaml -n shop --timeout 60']],
  rollout: [
    [`rollout canary --image ${digest}`, 'the new version, step by step'],
    ['rollout status --watch'],
    ['rollout abort', 'back to the previous split'],
  ],
  'rollout canary': [[`rollout canary --image ${digest}`], [`rollout canary --image ${digest} --steps 10,50,100 --pause 1m`]],
  'rollout mirror': [[`rollout mirror --image ${digest}`, 'copies of requests to the new version']],
  'rollout header': [[`rollout header --image ${digest}`, 'requests with rollout.header go to it']],
  'rollout subset': [[`rollout subset --image ${digest} --subset v2`]],
  'rollout status': [['rollout status'], ['rollout status --watch --interval 5s --window 1m']],
  'rollout promote': [['rollout promote', '100 % to the new version']],
  'rollout abort': [['rollout abort', 'back to the previous split']],
  'rollout rollback': [['rollout rollback', 'the release before the current one']],
  release: [
    ['release --dry-run', 'the whole plan; changes nothing'],
    ['release --yes --strategy canary'],
    [`release --skip-build --image ${digest}`, 'continue after a failure'],
  ],
  bundle: [
    ['bundle create --oci link.tar --image modco/link:1.2.0 --manifests rendered/'],
    ['bundle verify link.bundle.tar.zst --key release.pub'],
    ['bundle import link.bundle.tar.zst --key release.pub --registry registry.site:5000'],
  ],
  'bundle create': [
    ['bundle create --oci link.tar --image modco/link:1.2.0 --manifests rendered/'],
    ['bundle create --oci link.tar --image modco/link:1.2.0 --sign-key k.pem -o v1.tar.zst'],
    ['bundle create --oci link.tar --image modco/link:1.3.0 --since v1.tar.zst -o v2.tar.zst'],
  ],
  'bundle verify': [['bundle verify link.bundle.tar.zst --key release.pub']],
  'bundle inspect': [['bundle inspect link.bundle.tar.zst'], ['bundle inspect link.bundle.tar.zst --export-signature sig/']],
  'bundle import': [
    ['bundle import link.bundle.tar.zst --key release.pub --registry registry.site:5000'],
    ['bundle import link.tar --image modco/link:1.2.0 --registry registry.site:5000'],
  ],
  init: [
    ['init', 'a commented shipline.yaml with every field'],
    ['init --from deploy/ --deployment api', 'one for an existing manifest'],
    ['init -o staging.yaml --force', 'overwrite a file that exists'],
  ],
  explain: [
    ['explain routing.rules.retries', 'meaning, type, default and an example'],
    ['explain rollout.gates'],
    ['explain', 'the sections'],
  ],
};

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

const maxColumns = 100;

function format(list: Example[]): string {
  const line = (width: number) => ([command, comment]: Example) =>
    `  $ shipline ${comment ? `${command.padEnd(width)}  # ${comment}` : command}`;
  // Comments aligned when that fits in the columns, else each right after its command.
  const aligned = list.map(line(Math.max(...list.map(([command]) => command.length))));
  const lines = aligned.every((l) => l.length <= maxColumns) ? aligned : list.map(line(0));
  return `\nExamples:\n${lines.join('\n')}`;
}

/** Adds the examples of the table to the command and every subcommand that has some. */
export function addExamples(command: Command): void {
  const list = examples[pathOf(command)];
  if (list) command.addHelpText('after', format(list));
  for (const sub of command.commands) addExamples(sub);
}
