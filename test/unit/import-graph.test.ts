// The direction of imports: shipline's sources stand on floors, and a file imports only
// from its own folder or from a floor below its own. No circle of imports between files
// or between folders, no import from a lower floor to a higher one, none sideways between
// two folders of one floor. This list is the one place the floor order is written down.
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../pipelines/project-root.js';
import { cycles, importGraph, type ImportEdge } from '../support/import-graph.js';

/**
 * Top floor first. Each floor holds one or more folders ("units"); a pattern ending in
 * `/` is a folder and all below it, `dir/*` the files directly in `dir`. A file belongs to
 * the unit of its longest matching pattern.
 */
const floors: { floor: string; units: Record<string, string[]> }[] = [
  { floor: 'entry points', units: { cli: ['scripts/*'], bench: ['scripts/bench/'] } },
  { floor: 'commands', units: { commands: ['scripts/commands/'] } },
  { floor: 'command kit', units: { 'command-kit': ['scripts/command-kit/'] } },
  { floor: 'release', units: { release: ['pipelines/release/'] } },
  { floor: 'report', units: { report: ['pipelines/report/'] } },
  { floor: 'build, rollout and smoke run', units: { build: ['pipelines/build/'], rollout: ['pipelines/rollout/'], smoke: ['pipelines/smoke/'] } },
  { floor: 'bundle', units: { bundle: ['pipelines/bundle/'] } },
  { floor: 'cluster and local stack', units: { cluster: ['pipelines/cluster/'], stack: ['pipelines/stack/'] } },
  { floor: 'config', units: { config: ['pipelines/config/'] } },
  { floor: 'routing and adapters', units: { manifests: ['manifests/'], adapters: ['pipelines/adapters/'] } },
  { floor: 'ground', units: { ground: ['pipelines/model/', 'pipelines/*'] } },
];

/** The local stack serves tests, benchmarks and the embedded default: only these reach into it. */
const stackClients = ['pipelines/stack/', 'scripts/commands/stack.ts', 'pipelines/release/local-stack.ts', 'scripts/bench/'];

const graph = importGraph(projectRoot, ['scripts', 'pipelines', 'manifests']);

function matches(file: string, pattern: string): boolean {
  if (pattern.endsWith('/*')) {
    const dir = pattern.slice(0, -1);
    return file.startsWith(dir) && !file.slice(dir.length).includes('/');
  }
  return pattern.endsWith('/') ? file.startsWith(pattern) : file === pattern;
}

function placeOf(file: string): { unit: string; level: number } | undefined {
  let best: { unit: string; level: number; length: number } | undefined;
  floors.forEach(({ units }, index) => {
    for (const [unit, patterns] of Object.entries(units)) {
      for (const pattern of patterns) {
        if (matches(file, pattern) && (best === undefined || pattern.length > best.length)) best = { unit, level: floors.length - index, length: pattern.length };
      }
    }
  });
  return best && { unit: best.unit, level: best.level };
}

const describeEdge = ({ from, line, to }: ImportEdge) => `${from}:${line} → ${to}`;
const floorOrder = floors.map(({ floor, units }, index) => `${floors.length - index} ${floor} (${Object.keys(units).join(', ')})`).join('\n');

describe('import graph', () => {
  it('reads every source file and its imports', () => {
    expect(graph.files.length).toBeGreaterThan(200);
    expect(graph.edges.length).toBeGreaterThan(500);
    expect(graph.files.filter((file) => placeOf(file) === undefined), 'files on no floor: add their folder to `floors`').toEqual([]);
  });

  it('has no circle of imports between files', () => {
    const circles = cycles(graph.files, graph.edges).map((group) =>
      graph.edges.filter((edge) => group.includes(edge.from) && group.includes(edge.to)).map(describeEdge),
    );
    expect(circles).toEqual([]);
  });

  it('has no circle of imports between folders', () => {
    const unitEdges = graph.edges.map((edge) => ({ ...edge, from: placeOf(edge.from)!.unit, to: placeOf(edge.to)!.unit }));
    const units = floors.flatMap(({ units }) => Object.keys(units));
    // Each circle as its folders and the number of imports that tie them; the imports themselves are named below.
    const circles = cycles(units, unitEdges).map((group) => {
      const ties = unitEdges.filter(({ from, to }) => from !== to && group.includes(from) && group.includes(to)).length;
      return `${group.join(', ')} (${ties} imports)`;
    });
    expect(circles).toEqual([]);
  });

  it('imports only downwards, never up or sideways between folders of one floor', () => {
    const offenders = graph.edges
      .filter((edge) => {
        const from = placeOf(edge.from)!;
        const to = placeOf(edge.to)!;
        return from.unit !== to.unit && to.level >= from.level;
      })
      .map((edge) => `${describeEdge(edge)} (${placeOf(edge.from)!.unit} → ${placeOf(edge.to)!.unit})`);
    expect(offenders, `floors, top first:\n${floorOrder}`).toEqual([]);
  });

  it('keeps manifests/ (pure routing knowledge) on the ground floor alone', () => {
    const offenders = graph.edges
      .filter(({ from, to }) => from.startsWith('manifests/') && !to.startsWith('manifests/') && placeOf(to)!.unit !== 'ground')
      .map(describeEdge);
    expect(offenders).toEqual([]);
  });

  it('reaches the local stack only from the stack command, the embedded default and benchmarks', () => {
    const offenders = graph.edges
      .filter(({ from, to }) => to.startsWith('pipelines/stack/') && !stackClients.some((client) => matches(from, client)))
      .map(describeEdge);
    expect(offenders).toEqual([]);
  });

  it('keeps product code (and benchmarks) off test code', () => {
    const withTests = importGraph(projectRoot, ['scripts', 'pipelines', 'manifests', 'test']);
    const offenders = withTests.edges.filter(({ from, to }) => !from.startsWith('test/') && to.startsWith('test/')).map(describeEdge);
    expect(offenders).toEqual([]);
  });

  it('finds what it guards against', () => {
    expect(cycles(['a', 'b', 'c'], [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }, { from: 'b', to: 'c' }])).toEqual([['a', 'b']]);
    expect(placeOf('manifests/istio.ts')!.level).toBeGreaterThan(placeOf('pipelines/errors.ts')!.level);
    expect(placeOf('scripts/cli.ts')!.unit).toBe('cli');
    expect(placeOf('scripts/commands/stack.ts')!.unit).toBe('commands');
  });
});
