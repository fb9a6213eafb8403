// The pod network's host side: the stack's bridge with the node's address, the routes
// of the stack's block, and the nftables table that keeps the network on this machine.
// containerd's CNI bridge plugin attaches pods to the bridge (see containerd.ts).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../adapters/process.js';
import { ExternalError } from '../../errors.js';
import { runningPid } from '../daemon.js';
import { unmountUnder } from '../node-cleanup.js';
import { network, paths } from '../layout.js';
import type { Part, PartStatus } from '../part.js';
import { bridgeSysctls, nftRuleset, routeCommands, routeDeleteCommands } from '../pod-network-plan.js';

const dir = () => join(paths.state(), 'pod-network');
export const ipamDataDir = () => join(dir(), 'ipam');

async function bridgeAddresses(): Promise<string[] | undefined> {
  const result = await run(['ip', '-j', 'addr', 'show', 'dev', network.bridge], { nothrow: true });
  if (result.exitCode !== 0) return undefined;
  const [link] = JSON.parse(result.stdout || '[]') as { addr_info?: { family: string; local: string; prefixlen: number }[] }[];
  return (link?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
}

const gatewayWithPrefix = `${network.gateway}/${network.podCidr.split('/')[1]}`;

async function ensureBridge(): Promise<void> {
  let addresses = await bridgeAddresses();
  if (addresses === undefined) {
    await run(['ip', 'link', 'add', network.bridge, 'type', 'bridge']);
    addresses = [];
  }
  // Forwarding stays off on the bridge until the table that confines it is in place.
  writeFileSync(`/proc/sys/net/ipv4/conf/${network.bridge}/forwarding`, '0');
  if (!addresses.includes(gatewayWithPrefix)) {
    await run(['ip', 'addr', 'replace', gatewayWithPrefix, 'dev', network.bridge]);
  }
  await run(['ip', 'link', 'set', network.bridge, 'up']);
}

async function nftTable(): Promise<string | undefined> {
  const result = await run(['nft', 'list', 'table', 'inet', network.nftTable], { nothrow: true });
  return result.exitCode === 0 ? result.stdout : undefined;
}

async function routes(): Promise<string> {
  return (await run(['ip', 'route', 'show', 'match', network.gateway, 'table', 'main'], { nothrow: true })).stdout +
    (await run(['ip', 'route', 'show', 'type', 'unreachable'], { nothrow: true })).stdout +
    (await run(['ip', 'route', 'show', network.serviceCidr], { nothrow: true })).stdout;
}

/** What of the network is in place; each missing piece named. */
async function missingPieces(): Promise<string[]> {
  const missing: string[] = [];
  const addresses = await bridgeAddresses();
  if (!addresses?.includes(gatewayWithPrefix)) missing.push(`bridge ${network.bridge} with ${gatewayWithPrefix}`);
  const table = await nftTable();
  if (!table?.includes('pod-to-outside')) missing.push(`nftables table inet ${network.nftTable}`);
  const routeText = await routes();
  if (!routeText.includes(`unreachable ${network.block}`)) missing.push(`unreachable route ${network.block}`);
  if (!routeText.includes(`${network.serviceCidr} dev ${network.bridge}`)) missing.push(`route ${network.serviceCidr}`);
  return missing;
}

/** Deletes what this part made; each step tolerates its piece being gone already. */
export async function removePodNetwork(): Promise<void> {
  for (const argv of routeDeleteCommands()) await run(argv, { nothrow: true });
  await run(['nft', 'delete', 'table', 'inet', network.nftTable], { nothrow: true });
  await run(['ip', 'link', 'del', network.bridge], { nothrow: true });
}

export const podNetwork: Part = {
  name: 'pod-network',
  debianPackages: ['iproute2', 'nftables', 'containernetworking-plugins'],
  async start() {
    if (runningPid('containerd') === undefined) {
      // After a crash: pods' network namespaces (bind mounts) outlive their containerd and
      // keep their veths and addresses on the bridge; they go first, then the stale
      // address reservations, so no new pod gets an address an old namespace still holds.
      await unmountUnder(join(paths.state(), 'containerd', 'state', 'netns'));
      rmSync(ipamDataDir(), { recursive: true, force: true });
    }
    await ensureBridge();
    const rules = join(paths.state(), 'pod-network.nft');
    writeFileSync(rules, nftRuleset());
    await run(['nft', '-f', rules]);
    rmSync(rules, { force: true });
    for (const argv of routeCommands()) await run(argv);
    for (const [file, value] of bridgeSysctls()) writeFileSync(file, value);
    const missing = await missingPieces();
    if (missing.length > 0) throw new ExternalError(`pod-network: not in place after start: ${missing.join(', ')}`);
  },
  async stop() {
    await removePodNetwork();
    rmSync(ipamDataDir(), { recursive: true, force: true });
  },
  async status(): Promise<PartStatus> {
    const missing = await missingPieces().catch((error: unknown) => [String(error)]);
    const forwarding = existsSync(`/proc/sys/net/ipv4/conf/${network.bridge}/forwarding`)
      ? readFileSync(`/proc/sys/net/ipv4/conf/${network.bridge}/forwarding`, 'utf8').trim()
      : '0';
    return {
      name: this.name,
      version: 'cni-bridge',
      address: `${network.bridge} ${gatewayWithPrefix} pods ${network.podCidr} services ${network.serviceCidr}`,
      up: missing.length === 0 && forwarding === '1',
      note: missing.length > 0 ? `missing ${missing.join(', ')}` : undefined,
    };
  },
};
