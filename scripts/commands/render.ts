// `shipline render`: the routing section of shipline.yaml as Istio or Gateway API
// manifests, printed as multi-document YAML or written one file per object.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { invalidConfig, readYamlFile } from '../../pipelines/config/read.js';
import { InputError, ShiplineError } from '../../pipelines/errors.js';
import { parseRouting, type RoutingIntent } from '../../manifests/intent.js';
import { istioVersions, type IstioVersion } from '../../manifests/istio.js';
import { manifestFileName, renderRouting, routingApis, type RoutingApi } from '../../manifests/render.js';
import { toYaml } from '../../manifests/yaml.js';
import { registerLintCommands } from './lint.js';

interface RenderFlags {
  config: string;
  api: RoutingApi;
  istioVersion: IstioVersion;
  output?: string;
}

export function readRouting(file: string): RoutingIntent {
  let raw: unknown;
  try {
    raw = readYamlFile(file);
  } catch (error) {
    if (error instanceof ShiplineError) throw error;
    // The yaml library refuses alias expansion past its limit (a "billion laughs" file).
    throw new InputError(`${file}: ${(error as Error).message}`, { hint: 'write the values out instead of nesting YAML aliases' });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidConfig(file, [{ path: '(top level)', message: 'must be a YAML mapping with a routing section' }]);
  }
  const routing = (raw as Record<string, unknown>).routing;
  if (routing === undefined) {
    throw invalidConfig(file, [{ path: 'routing', message: 'missing; add a routing section (name, hosts, service, rules)' }]);
  }
  return parseRouting(routing, file);
}

/** `render`, and `lint` for the manifests it (or a person) writes. */
export function registerRenderCommands(program: Command): void {
  program
    .command('render')
    .description('render the routing section of shipline.yaml as Istio or Gateway API manifests')
    .option('-c, --config <file>', 'config file', 'shipline.yaml')
    .addOption(new Option('--api <api>', 'routing API').choices(routingApis).default('istio'))
    .addOption(new Option('--istio-version <version>', 'networking.istio.io version').choices(istioVersions).default('v1'))
    .option('-o, --output <dir>', 'write one file per object into this directory instead of stdout')
    .action((flags: RenderFlags) => {
      const intent = readRouting(flags.config);
      const objects = renderRouting(intent, { api: flags.api, istioVersion: flags.istioVersion, file: flags.config });
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
    });
  registerLintCommands(program);
}
