// buildkitd (OCI worker, runc) built from github.com/moby/buildkit, on loopback TCP.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../adapters/process.js';
import { daemonPart } from '../daemon-part.js';
import { buildGoTool } from '../install.js';
import { host, paths, ports, registryAddress } from '../layout.js';

export const buildkitdAddress = `tcp://${host}:${ports.buildkitd}`;
const dir = () => join(paths.state(), 'buildkit');
const configFile = () => join(dir(), 'buildkitd.toml');

export function buildkitdConfig(root: string, address: string): string {
  const insecure = (registry: string) => [`[registry."${registry}"]`, '  http = true', '  insecure = true'];
  return [
    `root = ${JSON.stringify(root)}`,
    '[grpc]',
    `  address = [${JSON.stringify(address)}]`,
    '[worker.oci]',
    '  enabled = true',
    '  snapshotter = "overlayfs"',
    '  gc = true',
    '[worker.containerd]',
    '  enabled = false',
    ...insecure(registryAddress),
    ...insecure('localhost:5000'),
    '',
  ].join('\n');
}

async function buildctl(...args: string[]) {
  return run([paths.buildctl(), '--addr', buildkitdAddress, ...args], { timeoutMs: 10_000 });
}

export const buildkitd = daemonPart({
  name: 'buildkitd',
  address: buildkitdAddress,
  ports: [ports.buildkitd],
  debianPackages: ['runc'],
  async install() {
    if (!existsSync(paths.buildkitd()) || !existsSync(paths.buildctl())) await buildGoTool('buildkit');
  },
  async prepare() {
    mkdirSync(join(dir(), 'root'), { recursive: true });
    writeFileSync(configFile(), buildkitdConfig(join(dir(), 'root'), buildkitdAddress));
  },
  argv: () => [paths.buildkitd(), `--config=${configFile()}`],
  async ready() {
    await buildctl('debug', 'workers');
    return true;
  },
  async version() {
    const out = (await buildctl('debug', 'info')).stdout;
    return /BuildKit:\s+\S+\s+(\S+)/.exec(out)?.[1] ?? /(v\d+\.\d+\.\d+\S*)/.exec(out)?.[1] ?? 'unknown';
  },
});
