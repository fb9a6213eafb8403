// Examples at the end of each command's --help (1 to 3 each, each line at most 100 columns):
// shell lines that run the command, kept in one table so that they read as a set; and the
// one-line summaries `shipline --help` lists the commands with, so that it fits on one screen
// (each command's own help keeps its whole description). test/e2e/help.test.ts checks that every
// command has them, that they name only options the command has, and that each help fits on
// one screen.
import type { Command } from 'commander';

type Example = [line: string, comment?: string];

const digest = 'REPO@sha256:…';

const examples: Record<string, Example[]> = {
  '': [
    ['shipline init', 'a commented shipline.yaml to start from'],
    ['shipline release --dry-run', 'the whole plan; changes nothing'],
    ['shipline build --help', 'the options and examples of one command'],
  ],
  stack: [['shipline stack up', 'install what is missing, start every part'], ['shipline stack status']],
  'stack up': [['shipline stack up']],
  'stack down': [['shipline stack down']],
  'stack packages': [['shipline stack packages --plain', 'package names only, one per line']],
  'stack status': [['shipline stack status'], ['shipline stack status --json']],
  build: [
    ['shipline build --dry-run --date 2024-01-26', 'the buildx commands it runs'],
    ['shipline build --tag v1.2.0 --smoke --smoke-platform linux/arm64', 'then run it on the Engine'],
    ['shipline build --no-push --oci link_{tag}.tar --offline', 'an OCI tarball, no registry'],
  ],
  render: [
    ['shipline render', 'the routing of ./shipline.yaml as YAML'],
    ['shipline render --api gateway-api'],
    ['shipline render -c staging.yaml --istio-version v1beta1'],
  ],
  lint: [
    ['shipline lint route.yaml gateway.yaml'],
    ['shipline lint -R -f manifests/', 'folders and their subfolders'],
    ['shipline render | shipline lint -f -', 'standard input'],
  ],
  validate: [
    ['shipline validate', 'every section of ./shipline.yaml, offline'],
    ['shipline validate staging.yaml --json'],
  ],
  check: [['shipline check', 'what routing the cluster serves'], ['shipline check --context staging --json']],
  apply: [
    ['shipline apply -f routes.yaml --diff', 'what would change; changes nothing'],
    ['shipline apply -f deploy/ -n shop'],
    ['shipline apply -f routes.yaml --dry-run=server'],
  ],
  diff: [['shipline diff -f routes.yaml'], ['shipline diff -f deploy/ --context staging -n shop']],
  delete: [['shipline delete -f service/deploy/link.yaml'], ['shipline delete -f routes.yaml -n shop --timeout 60']],
  rollout: [
    [`shipline rollout canary --image ${digest}`, 'the new version, step by step'],
    ['shipline rollout status --watch'],
    ['shipline rollout abort', 'back to the previous split'],
  ],
  'rollout canary': [[`shipline rollout canary --image ${digest}`], [`shipline rollout canary --image ${digest} --steps 10,50,100 --pause 1m`]],
  'rollout mirror': [[`shipline rollout mirror --image ${digest}`, 'copies of requests to the new version']],
  'rollout header': [[`shipline rollout header --image ${digest}`, 'requests with rollout.header go to it']],
  'rollout subset': [[`shipline rollout subset --image ${digest} --subset v2`]],
  'rollout status': [['shipline rollout status'], ['shipline rollout status --watch --interval 5s --window 1m']],
  'rollout promote': [['shipline rollout promote', '100 % to the new version']],
  'rollout abort': [['shipline rollout abort', 'back to the previous split']],
  'rollout rollback': [['shipline rollout rollback', 'the release before the current one']],
  'rollout report': [
    ['shipline rollout report -o report.html', 'the newest release as one HTML page, opens offline'],
    ['shipline rollout report --release 3 --json', 'the data it is drawn from'],
  ],
  release: [
    ['shipline release --dry-run', 'the whole plan; changes nothing'],
    ['shipline release --yes --report release.html', 'and its HTML report, promoted or aborted'],
    [`shipline release --skip-build --image ${digest}`, 'continue after a failure'],
  ],
  bundle: [
    ['shipline bundle create --oci link.tar --image modco/link:1.2.0 --manifests rendered/'],
    ['shipline bundle verify link.bundle.tar.zst --key release.pub'],
    ['shipline bundle import link.bundle.tar.zst --key release.pub --registry registry.site:5000'],
  ],
  'bundle create': [
    ['shipline bundle create --oci link.tar --image modco/link:1.2.0 --manifests rendered/'],
    ['shipline bundle create --oci link.tar --image modco/link:1.2.0 --sign-key k.pem -o v1.tar.zst'],
    ['shipline bundle create --oci link.tar --image modco/link:1.3.0 --since v1.tar.zst -o v2.tar.zst'],
  ],
  'bundle verify': [['shipline bundle verify link.bundle.tar.zst --key release.pub']],
  'bundle inspect': [
    ['shipline bundle inspect link.bundle.tar.zst'],
    ['shipline bundle inspect link.bundle.tar.zst --sbom --platform linux/arm64', 'its packages'],
    ['shipline bundle inspect link.bundle.tar.zst --provenance --key release.pub'],
  ],
  'bundle import': [
    ['shipline bundle import link.bundle.tar.zst --key release.pub --registry registry.site:5000'],
    ['shipline bundle import link.tar --image modco/link:1.2.0 --registry registry.site:5000'],
    ['shipline bundle import link.bundle.tar.zst --docker', 'load into the Docker Engine'],
  ],
  completion: [
    ['source <(shipline completion bash)', 'in ~/.bashrc'],
    ['source <(shipline completion zsh)', 'in ~/.zshrc'],
    ['shipline completion fish > ~/.config/fish/completions/shipline.fish'],
  ],
  version: [['shipline version', 'shipline, Node, buildx, BuildKit, the cluster'], ['shipline version -o json --timeout 10']],
  init: [
    ['shipline init', 'a commented shipline.yaml with every field'],
    ['shipline init --from deploy/ --deployment api', 'one for an existing manifest'],
    ['shipline init -o staging.yaml --force', 'overwrite a file that exists'],
  ],
  explain: [
    ['shipline explain routing.rules.retries', 'meaning, type, default and an example'],
    ['shipline explain rollout.gates'],
    ['shipline explain', 'the sections'],
  ],
};

const summaries: Record<string, string> = {
  build: 'build the multi-arch image with docker buildx (push, OCI tarball)',
  render: 'the routing of shipline.yaml as Istio or Gateway API manifests',
  lint: 'check routing manifests offline: CRD schemas, CEL and routing rules',
  validate: 'check the whole shipline.yaml offline, each problem with its fix',
  check: 'what routing the cluster serves; the API and version render uses',
  apply: 'server-side apply of YAML files, every object dry-run first',
  diff: 'what `apply -f` would change (exit 0: nothing, 1: something)',
  delete: 'delete the objects of YAML files and wait until they are gone',
  release: 'the whole pipeline: preflight → build → render → diff → roll out',
  init: 'write a commented starter shipline.yaml (or one from a manifest)',
  version: 'versions of shipline, Node, buildx, BuildKit and the cluster',
};

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

const maxColumns = 100;

function format(list: Example[]): string {
  const line = (width: number) => ([command, comment]: Example) =>
    `  $ ${comment ? `${command.padEnd(width)}  # ${comment}` : command}`;
  // Comments aligned when that fits in the columns, else each right after its command.
  const aligned = list.map(line(Math.max(...list.map(([command]) => command.length))));
  const lines = aligned.every((l) => l.length <= maxColumns) ? aligned : list.map(line(0));
  return `\nExamples:\n${lines.join('\n')}`;
}

/** Adds the examples and summaries of the tables to the command and its subcommands. */
export function addHelpTexts(command: Command): void {
  const path = pathOf(command);
  const list = examples[path];
  if (list) command.addHelpText('after', format(list));
  const summary = summaries[path];
  if (summary) command.summary(summary);
  for (const sub of command.commands) addHelpTexts(sub);
}
