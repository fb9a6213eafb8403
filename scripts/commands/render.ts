// `shipline render`: the routing section of shipline.yaml as Istio or Gateway API
// manifests, printed as multi-document YAML or written one file per object.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { istioVersions, type IstioVersion } from '../../manifests/istio.js';
import { routingApis, type RoutingApi } from '../../manifests/render.js';
import { configOptionHelp, findConfig } from '../../pipelines/config/find.js';

interface RenderFlags {
  config?: string;
  api?: RoutingApi;
  istioVersion?: IstioVersion;
  output?: string;
}

async function render(flags: RenderFlags): Promise<void> {
  // Loaded on use, so other commands do not pay for zod at start.
  const [{ readRouting }, { manifestFileName, renderRouting }, { toYaml }, { parseRouting }, { embeddedDefault }, { embeddedName }] = await Promise.all([
    import('../../manifests/read-routing.js'),
    import('../../manifests/render.js'),
    import('../../manifests/yaml.js'),
    import('../../manifests/intent.js'),
    import('../../pipelines/config/embedded-default.js'),
    import('../../pipelines/config/load.js'),
  ]);
  const source = findConfig(flags.config);
  const file = source.kind === 'sample' ? embeddedName : source.shown;
  const intent = source.kind === 'sample' ? parseRouting(embeddedDefault.routing, file) : readRouting(source.path, file);
  // Everything is rendered before anything is written: an invalid config writes nothing.
  const api = flags.api ?? (intent.api === 'gateway-api' ? 'gateway-api' : 'istio');
  const istioVersion = flags.istioVersion ?? intent.istioVersion ?? 'v1';
  const objects = renderRouting(intent, { api, istioVersion, file });
  if (flags.output === undefined) {
    process.stdout.write(toYaml(objects));
    return;
  }
  mkdirSync(flags.output, { recursive: true });
  for (const object of objects) {
    const path = join(flags.output, manifestFileName(object));
    writeFileSync(path, toYaml([object]));
    process.stdout.write(`${path}\n`);
  }
}

/** `render`, and `lint` for the manifests it (or a person) writes. */
export function registerRenderCommands(program: Command): void {
  program
    .command('render')
    .description('render the routing section of shipline.yaml as Istio or Gateway API manifests')
    .option('-c, --config <file>', configOptionHelp)
    .addOption(new Option('--api <api>', 'routing API (default: routing.api, else istio)').choices(routingApis))
    .addOption(new Option('--istio-version <version>', 'networking.istio.io version (default: routing.istioVersion, else v1)').choices(istioVersions))
    .option('-o, --output <dir>', 'write one file per object into this directory instead of stdout')
    .action(render);
}
