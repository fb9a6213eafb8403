// A real Docker Engine (Debian docker.io) for dockerode: no bridge network, no
// iptables, the local registry marked insecure.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { dockerEngine, enginePings, engineVersion } from '../../adapters/docker.js';
import { daemonPart } from '../daemon-part.js';
import { dockerSocket, paths, registryAddress } from '../layout.js';

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
  // Through the one Docker door, as every other Engine call.
  ready: () => enginePings({ socketPath: dockerSocket, timeoutMs: 3_000 }),
  async version() {
    return (await engineVersion(await dockerEngine({ socketPath: dockerSocket, timeoutMs: 3_000 }), 3_000)).version;
  },
  startTimeoutMs: 60_000,
});
