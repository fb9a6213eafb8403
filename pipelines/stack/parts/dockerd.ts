// A real Docker Engine (Debian docker.io) for dockerode: no bridge network, no
// iptables, the local registry marked insecure.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { daemonPart } from '../daemon-part.js';
import { dockerSocket, paths, registryAddress } from '../layout.js';
import { answers, httpGet } from '../probe.js';

const dir = () => join(paths.state(), 'docker');

export const dockerd = daemonPart({
  name: 'dockerd',
  address: `unix://${dockerSocket}`,
  ports: [],
  debianPackages: ['docker.io', 'containerd', 'runc'],
  async prepare() {
    mkdirSync(join(dir(), 'data'), { recursive: true });
    mkdirSync(join(dir(), 'exec'), { recursive: true });
  },
  argv: () => [
    '/usr/sbin/dockerd',
    `--host=unix://${dockerSocket}`,
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    `--data-root=${join(dir(), 'data')}`,
    `--exec-root=${join(dir(), 'exec')}`,
    `--pidfile=${join(dir(), 'dockerd.pid')}`,
    `--insecure-registry=${registryAddress}`,
    '--insecure-registry=localhost:5000',
    '--storage-driver=overlay2',
  ],
  ready: () => answers('http://docker/_ping', { socketPath: dockerSocket }),
  async version() {
    const res = await httpGet('http://docker/version', { socketPath: dockerSocket });
    return (JSON.parse(res.body) as { Version: string }).Version;
  },
  startTimeoutMs: 60_000,
});
