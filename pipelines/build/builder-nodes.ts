// A buildx builder with one remote node per platform (e.g. a native arm64 machine),
// planned as `docker buildx` argv lists. Pure.
import type { BuilderInfo } from '../adapters/buildx.js';
import type { BuildConfig } from '../config/schema.js';

type Node = BuildConfig['builder']['nodes'][number];

export function nodeName(builder: string, node: Node, index: number): string {
  return node.name ?? `${builder}-${index}`;
}

function sameNodes(builder: string, nodes: readonly Node[], existing: BuilderInfo): boolean {
  if (existing.driver !== 'remote' || existing.nodes.length !== nodes.length) return false;
  return nodes.every((node, i) => {
    const live = existing.nodes.find((n) => n.name === nodeName(builder, node, i));
    return live !== undefined && live.endpoint === node.endpoint;
  });
}

/** The buildx commands that make `builder` match `nodes`; [] when it already does. */
export function planBuilderNodes(builder: string, nodes: readonly Node[], existing: BuilderInfo | undefined): string[][] {
  if (nodes.length === 0 || (existing && sameNodes(builder, nodes, existing))) return [];
  const commands: string[][] = existing ? [['rm', builder]] : [];
  nodes.forEach((node, i) => {
    commands.push([
      'create',
      ...(i > 0 ? ['--append'] : []),
      '--name', builder,
      '--node', nodeName(builder, node, i),
      '--driver', 'remote',
      '--platform', node.platforms.join(','),
      node.endpoint,
    ]);
  });
  return commands;
}
