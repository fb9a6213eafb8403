// Routing: validating and rendering a 200-rule intent in-process (budget 100 ms), and
// `shipline render` of the seven patterns as a user runs it (budget 400 ms wall each).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseRouting } from '../../manifests/intent.js';
import { renderRouting } from '../../manifests/render.js';
import { toYaml } from '../../pipelines/model/yaml.js';
import { run } from '../../pipelines/adapters/process.js';
import { rounds } from './quick.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** 199 path rules and a weighted catch-all with every feature. */
export function bigIntent(rules = 200): Record<string, unknown> {
  return {
    name: 'big',
    hosts: ['example.com'],
    gateways: ['my-gateway'],
    service: 'my-service',
    port: 80,
    subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } },
    rules: [
      ...Array.from({ length: rules - 1 }, (_, i) => ({
        match: { path: { prefix: `/service${i}/` }, headers: { 'x-tenant': { exact: `t${i}` } } },
        to: [{ subset: 'v1', weight: 90 }, { subset: 'v2', weight: 10 }],
        timeout: '2s',
        retries: { attempts: 3, perTryTimeout: '1s', on: '5xx,reset' },
      })),
      { to: [{ subset: 'v1', weight: 80 }, { subset: 'v2', weight: 20 }], mirror: { subset: 'v2', percent: 50 }, fault: { delay: { percent: 5, fixed: '1s' } } },
    ],
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export default async function bench(): Promise<void> {
  const raw = bigIntent();
  const inProcess: number[] = [];
  for (let i = 0; i < rounds(20); i++) {
    const start = performance.now();
    toYaml(renderRouting(parseRouting(raw, 'bench.yaml'), { api: 'istio', istioVersion: 'v1', file: 'bench.yaml' }));
    inProcess.push(performance.now() - start);
  }
  const ms = median(inProcess);
  process.stdout.write(`validate + render + YAML, 200 rules: ${ms.toFixed(1)} ms median of ${rounds(20)} (budget 100 ms, ${(ms / 100).toFixed(2)}x)\n`);

  const golden = join(root, 'test', 'unit', 'golden');
  const configs = readdirSync(golden).filter((f) => /^[1-7]-.*\.config\.yaml$/.test(f)).sort();
  const cli: number[] = [];
  for (const config of configs) {
    const start = performance.now();
    await run(['node', join(root, 'scripts', 'shipline.mjs'), 'render', '--config', join(golden, config)]);
    cli.push(performance.now() - start);
  }
  const wall = median(cli);
  process.stdout.write(`shipline render, seven patterns: ${wall.toFixed(0)} ms median wall, max ${Math.max(...cli).toFixed(0)} ms (budget 400 ms, ${(wall / 400).toFixed(2)}x)\n`);
}
