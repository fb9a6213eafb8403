// Reads the routing section of a shipline.yaml: the one place the renderers' input
// comes from a file.
import { invalidConfig, readYamlDocument, type FieldPositions, type YamlFile } from '../pipelines/model/config-issues.js';
import { InputError, ShiplineError } from '../pipelines/errors.js';
import { parseRouting, type RoutingIntent } from './intent.js';

export function readRouting(path: string, file = path): RoutingIntent {
  return readRoutingFile(path, file).intent;
}

/** The routing intent of a file, and where its fields stand for later errors (a renderer's). */
export function readRoutingFile(path: string, file = path): { intent: RoutingIntent; positions: FieldPositions } {
  let read: YamlFile;
  try {
    read = readYamlDocument(path, file);
  } catch (error) {
    if (error instanceof ShiplineError) throw error;
    // The yaml library refuses alias expansion past its limit (a "billion laughs" file).
    throw new InputError(`${file}: ${(error as Error).message}`, { hint: 'write the values out instead of nesting YAML aliases' });
  }
  const { value: raw, positions } = read;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidConfig(file, [{ path: '(top level)', message: 'must be a YAML mapping with a routing section' }], undefined, positions);
  }
  const routing = (raw as Record<string, unknown>).routing;
  if (routing === undefined) {
    throw invalidConfig(file, [{ path: 'routing', message: 'missing; add a routing section (name, hosts, service, rules)' }], undefined, positions);
  }
  return { intent: parseRouting(routing, file, positions), positions };
}
