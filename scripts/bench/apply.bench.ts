// `shipline apply` of 100 objects (Deployments, Services, VirtualServices) against
// `kubectl apply --server-side` on the same files and the same apiserver, side by side
// (target: at least 2x faster); and `shipline check` (target: under 1 s).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { run } from '../../pipelines/adapters/process.js';
import { paths } from '../../pipelines/stack/layout.js';

const cli = fileURLToPath(new URL('../shipline.mjs', import.meta.url));
const kubeconfig = paths.kubeconfig();
const env = { ...process.env, KUBECONFIG: kubeconfig };

function objects(): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < 40; i++) {
    const labels = { app: `bench-${i}` };
    out.push({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `bench-${i}` },
      spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: '127.0.0.1:5000/shipline/base:musl-1' }] } } },
    });
  }
  for (let i = 0; i < 30; i++) {
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `bench-${i}` }, spec: { clusterIP: 'None', selector: { app: `bench-${i}` }, ports: [{ port: 80 }] } });
  }
  for (let i = 0; i < 30; i++) {
    out.push({
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: `bench-${i}` },
      spec: { hosts: [`bench-${i}.example.com`], http: [{ route: [{ destination: { host: `bench-${i}`, subset: 'v1' }, weight: 90 }, { destination: { host: `bench-${i}`, subset: 'v2' }, weight: 10 }] }] },
    });
  }
  return out;
}

async function timed(argv: string[]): Promise<number> {
  const start = performance.now();
  await run(argv, { env, timeoutMs: 300_000 });
  return performance.now() - start;
}

/** The stack's kubectl, built from the same Kubernetes module as its apiserver. */
const kubectl = () => paths.kubeNodeTool('kubectl');

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-apply-bench-'));
  writeFileSync(join(dir, 'objects.yaml'), objects().map((o) => stringify(o)).join('---\n'));
  const times = { kubectl: [] as number[], shipline: [] as number[] };
  for (let round = 0; round < 3; round++) {
    for (const tool of ['kubectl', 'shipline'] as const) {
      const ns = `bench-${tool}-${Date.now()}`;
      await run([kubectl(), 'create', 'namespace', ns], { env });
      const argv = tool === 'kubectl'
        ? [kubectl(), 'apply', '--server-side', '--field-manager=bench', '-n', ns, '-f', dir]
        : ['node', cli, 'apply', '-n', ns, '-f', dir];
      times[tool].push(await timed(argv));
      await run([kubectl(), 'delete', 'namespace', ns, '--wait=false'], { env });
    }
  }
  const k = median(times.kubectl);
  const s = median(times.shipline);
  process.stdout.write(
    `apply 100 objects (40 Deployments, 30 Services, 30 VirtualServices), median of 3, new namespace each:\n` +
      `  kubectl apply --server-side: ${k.toFixed(0)} ms  [${times.kubectl.map((t) => t.toFixed(0)).join(', ')}]\n` +
      `  shipline apply:              ${s.toFixed(0)} ms  [${times.shipline.map((t) => t.toFixed(0)).join(', ')}]\n` +
      `  shipline is ${(k / s).toFixed(2)}x faster (target >= 2x)\n`,
  );
  const checks: number[] = [];
  for (let i = 0; i < 5; i++) checks.push(await timed(['node', cli, 'check']));
  process.stdout.write(`shipline check on the local stack: ${median(checks).toFixed(0)} ms median of 5 (target < 1000 ms)\n`);
}
