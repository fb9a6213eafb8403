// `shipline apply` of 100 objects (Deployments, Services, VirtualServices) against
// `kubectl apply --server-side` on the same files and the same apiserver, side by side:
// shipline dry-runs every object on the server before the first change, then commits;
// target ≤ 0.8x kubectl's time. Beside them the one-pass floor: the same CLI sending one
// request per object (`shipline apply --dry-run=server`: the dry-run pass alone, no commit).
// Then `shipline check` (target: under 1 s). Installs the Istio VirtualService CRD when the
// cluster does not serve it (a stack started from nothing).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { run } from '../../pipelines/adapters/process.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { paths } from '../../pipelines/stack/layout.js';
import { rounds } from './quick.js';

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

/** The VirtualService CRD from manifests/crds, installed and established unless already served. */
async function ensureVirtualServices(): Promise<void> {
  const client = KubeClient.load(kubeconfig);
  if (await client.resourceFor('networking.istio.io/v1', 'VirtualService')) return;
  process.stdout.write('installing the Istio VirtualService CRD (manifests/crds/istio-virtualservices.yaml)\n');
  await run([kubectl(), 'apply', '--server-side', '-f', join(projectRoot, 'manifests', 'crds', 'istio-virtualservices.yaml')], { env });
  await run([kubectl(), 'wait', '--for=condition=Established', '--timeout=60s', 'crd/virtualservices.networking.istio.io'], { env });
}

const tools = ['kubectl', 'shipline', 'one pass'] as const;

export default async function bench(): Promise<void> {
  await ensureVirtualServices();
  await run(['node', cli, '--version'], { env }); // a checkout rebuilds the CLI bundle on its first start after a change: not timed
  const dir = mkdtempSync(join(tmpdir(), 'shipline-apply-bench-'));
  writeFileSync(join(dir, 'objects.yaml'), objects().map((o) => stringify(o)).join('---\n'));
  const times: Record<(typeof tools)[number], number[]> = { kubectl: [], shipline: [], 'one pass': [] };
  const count = rounds(5);
  for (let round = 0; round < count; round++) {
    for (const tool of tools) {
      const ns = `bench-${tool.replace(' ', '-')}-${Date.now()}`;
      await run([kubectl(), 'create', 'namespace', ns], { env });
      const argv = tool === 'kubectl'
        ? [kubectl(), 'apply', '--server-side', '--field-manager=bench', '-n', ns, '-f', dir]
        : ['node', cli, 'apply', '-n', ns, '-f', dir, ...(tool === 'one pass' ? ['--dry-run=server'] : [])];
      times[tool].push(await timed(argv));
      await run([kubectl(), 'delete', 'namespace', ns, '--wait=false'], { env });
    }
  }
  const k = median(times.kubectl);
  const s = median(times.shipline);
  const floor = median(times['one pass']);
  const list = (tool: (typeof tools)[number]) => `[${times[tool].map((t) => t.toFixed(0)).join(', ')}]`;
  const ratios = (tool: (typeof tools)[number]) => `[${times[tool].map((t, i) => (t / times.kubectl[i]!).toFixed(2)).join(', ')}]`;
  process.stdout.write(
    `apply 100 objects (40 Deployments, 30 Services, 30 VirtualServices), median of ${count}, new namespace each, in turn:\n` +
      `  kubectl apply --server-side:            ${k.toFixed(0)} ms  ${list('kubectl')}\n` +
      `  shipline apply (dry-run all, commit):   ${s.toFixed(0)} ms  ${list('shipline')}\n` +
      `  one-pass floor (apply --dry-run=server): ${floor.toFixed(0)} ms  ${list('one pass')}\n` +
      `  shipline/kubectl ${(s / k).toFixed(2)}x (target <= 0.8x: ${s / k <= 0.8 ? 'met' : 'NOT met'}); floor/kubectl ${(floor / k).toFixed(2)}x\n` +
      // Each round runs the three one after the other: its own ratio is measured under one load.
      `  per round shipline/kubectl ${ratios('shipline')}, floor/kubectl ${ratios('one pass')}\n`,
  );
  const checks: number[] = [];
  for (let i = 0; i < rounds(5); i++) checks.push(await timed(['node', cli, 'check']));
  process.stdout.write(`shipline check on the local stack: ${median(checks).toFixed(0)} ms median of ${checks.length} (target < 1000 ms)\n`);
}
