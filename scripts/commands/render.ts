// `shipline render`: the routing section of shipline.yaml as Istio or Gateway API
// manifests: printed as multi-document YAML (-o yaml, the default), a ManifestList document
// (-o json), kind/name lines (-o name), or written one file per object (--output-dir).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { istioVersions, type IstioVersion } from '../../manifests/istio.js';
import { routingApis, type RoutingApi } from '../../manifests/render.js';
import { InputError } from '../../pipelines/errors.js';
import { formatReport, outputFormat, withOutput, type OutputFlags } from '../command-kit/output-format.js';
import { configOptionHelp, findConfig } from '../../pipelines/config/find.js';

interface RenderFlags extends OutputFlags {
  config?: string;
  api?: RoutingApi;
  istioVersion?: IstioVersion;
  outputDir?: string;
}

const formats = ['yaml', 'json', 'name'] as const;

async function render(flags: RenderFlags): Promise<void> {
  const format = outputFormat(flags);
  if (flags.outputDir !== undefined && !['text', 'yaml'].includes(format)) {
    throw new InputError(`-o ${format} and --output-dir: --output-dir writes YAML files and prints their paths`, { hint: 'give one of them' });
  }
  // Loaded on use, so other commands do not pay for zod at start.
  const [{ readRoutingFile }, { manifestFileName, renderRouting }, { normalize, toYaml }, { parseRouting }, { embeddedDefault }, { embeddedName }, { kubectlName }, { readYamlDocument }, { assertWholeConfig }] = await Promise.all([
    import('../../manifests/read-routing.js'),
    import('../../manifests/render.js'),
    import('../../pipelines/model/yaml.js'),
    import('../../manifests/intent.js'),
    import('../../pipelines/config/embedded-default.js'),
    import('../../pipelines/config/load.js'),
    import('../../pipelines/cluster/documents.js'),
    import('../../pipelines/model/config-issues.js'),
    import('../../pipelines/config/whole.js'),
  ]);
  const source = findConfig(flags.config);
  const file = source.kind === 'sample' ? embeddedName : source.shown;
  // The other sections are checked too: a config that is wrong anywhere is refused here, not at rollout.
  if (source.kind !== 'sample') {
    const { value, positions } = readYamlDocument(source.path, file);
    assertWholeConfig(file, value, { requireImage: false, positions });
  }
  const { intent, positions } = source.kind === 'sample' ? { intent: parseRouting(embeddedDefault.routing, file), positions: undefined } : readRoutingFile(source.path, file);
  // Everything is rendered before anything is written: an invalid config writes nothing.
  const api = flags.api ?? (intent.api === 'gateway-api' ? 'gateway-api' : 'istio');
  const istioVersion = flags.istioVersion ?? intent.istioVersion ?? 'v1';
  const objects = renderRouting(intent, { api, istioVersion, file, positions });
  if (flags.outputDir !== undefined) {
    mkdirSync(flags.outputDir, { recursive: true });
    for (const object of objects) {
      const path = join(flags.outputDir, manifestFileName(object));
      writeFileSync(path, toYaml([object]));
      process.stdout.write(`${path}\n`);
    }
    return;
  }
  if (format === 'text' || format === 'yaml') {
    process.stdout.write(toYaml(objects));
    return;
  }
  process.stdout.write(await formatReport(format, {
    kind: 'ManifestList',
    data: { items: objects.map(normalize) },
    text: () => toYaml(objects),
    names: () => objects.map(kubectlName),
  }));
}

/** -o picks a format now; a folder name (what -o took before --output-dir) gets a pointed message. */
function formatOrFolderHint(value: string): string {
  if (['text', ...formats].includes(value)) return value;
  throw new InvalidArgumentError(`"${value}" is not an output format (text, ${formats.join(', ')}); to write one file per object into a folder, use --output-dir ${value} (-d)`);
}

/** `render`, and `lint` for the manifests it (or a person) writes. */
export function registerRenderCommands(program: Command): void {
  const render_ = withOutput(program.command('render'), formats)
    .description('render the routing section of shipline.yaml as Istio or Gateway API manifests')
    .option('-c, --config <file>', configOptionHelp)
    .addOption(new Option('--api <api>', 'routing API (default: routing.api, else istio)').choices(routingApis))
    .addOption(new Option('--istio-version <version>', 'networking.istio.io version (default: routing.istioVersion, else v1)').choices(istioVersions))
    .option('-d, --output-dir <dir>', 'write one YAML file per object into this folder (and print their paths) instead of stdout')
    .action(render);
  render_.options.find((o) => o.long === '--output')?.argParser(formatOrFolderHint);
}
