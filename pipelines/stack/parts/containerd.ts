// A containerd of the stack's own (Debian containerd 1.6) serving CRI to kubelet: its
// config, root, state and socket live under the stack's state dir, apart from the
// containerd that dockerd runs privately. Pods join the stack's pod network through
// the CNI bridge plugin.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../adapters/process.js';
import { daemonPart } from '../daemon-part.js';
import { runningPid } from '../daemon.js';
import { host, pauseImageRef, paths, registryAddress } from '../layout.js';
import { killTreesNow } from '../../adapters/process-tree.js';
import { removeCgroupTree, shimSocketsOf, shimsOf, unmountUnder } from '../node-cleanup.js';
import type { Part } from '../part.js';
import { cniConflist } from '../pod-network-plan.js';
import { ipamDataDir } from './pod-network.js';

const dir = () => join(paths.state(), 'containerd');
export const containerdSocket = () => join(dir(), 'containerd.sock');
const configFile = () => join(dir(), 'config.toml');
const cniConfDir = () => join(dir(), 'cni');
const certsDir = () => join(dir(), 'certs.d');
export const cniBinDir = '/usr/lib/cni';

export function containerdConfig(root: string, socket: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${JSON.stringify(join(root, 'root'))}`,
    `state = ${JSON.stringify(join(root, 'state'))}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",',
    '  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]',
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(join(root, 'opt'))}`,
    `[${cri}]`,
    `  sandbox_image = ${JSON.stringify(pauseImageRef)}`,
    `  stream_server_address = ${JSON.stringify(host)}`,
    '  stream_server_port = "0"',
    '  disable_apparmor = true',
    // The machine withholds CAP_SYS_RESOURCE, so no process may lower its oom_score_adj;
    // kubelet asks -998 for sandboxes, which runc would fail on. Clamp at containerd's own.
    '  restrict_oom_score_adj = true',
    // Pods' network namespaces under the stack's state dir, not /var/run/netns: `down`
    // removes exactly the stack's own.
    '  netns_mounts_under_state_dir = true',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  BinaryName = "/usr/sbin/runc"',
    `  Root = ${JSON.stringify(join(root, 'runc'))}`,
    '  SystemdCgroup = false',
    `[${cri}.cni]`,
    `  bin_dir = ${JSON.stringify(cniBinDir)}`,
    `  conf_dir = ${JSON.stringify(join(root, 'cni'))}`,
    `[${cri}.registry]`,
    `  config_path = ${JSON.stringify(join(root, 'certs.d'))}`,
    '',
  ].join('\n');
}


/** The local registry speaks plain HTTP. */
export const registryHosts = [
  `server = "http://${registryAddress}"`,
  `[host."http://${registryAddress}"]`,
  '  capabilities = ["pull", "resolve"]',
  '',
].join('\n');

async function ctr(...args: string[]) {
  return run(['ctr', '--address', containerdSocket(), '--connect-timeout', '2s', ...args], { timeoutMs: 10_000 });
}

const daemon = daemonPart({
  name: 'containerd',
  address: `unix://${containerdSocket()}`,
  ports: [],
  debianPackages: ['containerd', 'runc', 'containernetworking-plugins'],
  async prepare() {
    mkdirSync(cniConfDir(), { recursive: true });
    mkdirSync(join(certsDir(), registryAddress), { recursive: true });
    writeFileSync(configFile(), containerdConfig(dir(), containerdSocket()));
    rmSync(join(cniConfDir(), '10-shipline-loopback.conflist'), { force: true });
    writeFileSync(join(cniConfDir(), '10-shipline.conflist'), `${JSON.stringify(cniConflist(ipamDataDir()), null, 2)}\n`);
    writeFileSync(join(certsDir(), registryAddress, 'hosts.toml'), registryHosts);
  },
  argv: () => ['containerd', '--config', configFile()],
  async ready() {
    if (!existsSync(containerdSocket())) return false;
    const plugins = (await ctr('plugins', 'ls')).stdout;
    return /io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/.test(plugins);
  },
  async version() {
    const out = (await ctr('version')).stdout;
    return /Server:[\s\S]*?Version:\s+(\S+)/.exec(out)?.[1] ?? 'unknown';
  },
});

export const containerd: Part = {
  ...daemon,
  /**
   * Shims outlive containerd and keep the pods' processes, rootfs mounts and cgroups;
   * `down` ends them by PID tree and then removes what they held.
   */
  async stop() {
    const sockets = shimSocketsOf(join(dir(), 'state'));
    await daemon.stop();
    await killTreesNow(shimsOf(containerdSocket()));
    for (const socket of sockets) rmSync(socket, { force: true });
    await unmountUnder(dir());
    if (runningPid('kubelet') === undefined) removeCgroupTree('kubepods');
  },
};
