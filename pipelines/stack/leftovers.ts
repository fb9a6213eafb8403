// What a stopped stack must not leave behind on the machine: its bridge, routes,
// nftables tables and the pods' network namespaces.
import { join } from 'node:path';
import { run } from '../adapters/process.js';
import { network, paths } from './layout.js';
import { mountsUnder } from './node-cleanup.js';

export async function networkLeftovers(): Promise<string[]> {
  const left: string[] = [];
  if ((await run(['ip', 'link', 'show', network.bridge], { nothrow: true })).exitCode === 0) left.push(`bridge ${network.bridge}`);
  const routes = (await run(['ip', 'route', 'show', 'table', 'all'], { nothrow: true })).stdout;
  for (const line of routes.split('\n')) if (line.includes('198.19.')) left.push(`route "${line.trim()}"`);
  for (const [family, table] of [['inet', network.nftTable], ['ip', 'kube-proxy'], ['ip6', 'kube-proxy']] as const) {
    if ((await run(['nft', 'list', 'table', family, table], { nothrow: true })).exitCode === 0) left.push(`nftables table ${family} ${table}`);
  }
  // A live namespace is a bind mount; unmounted files left there are inert.
  for (const mount of mountsUnder(join(paths.state(), 'containerd'))) left.push(`mount ${mount}`);
  return left;
}
