// etcd (Debian etcd-server) for kube-apiserver, on loopback ports of its own.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { daemonPart } from '../daemon-part.js';
import { host, paths, ports } from '../layout.js';
import { answers, httpGet } from '../probe.js';

export const etcdUrl = `http://${host}:${ports.etcdClient}`;
const peerUrl = `http://${host}:${ports.etcdPeer}`;
const dir = () => join(paths.state(), 'etcd');

export const etcd = daemonPart({
  name: 'etcd',
  address: etcdUrl,
  ports: [ports.etcdClient, ports.etcdPeer],
  debianPackages: ['etcd-server'],
  async prepare() {
    mkdirSync(dir(), { recursive: true, mode: 0o700 });
  },
  argv: () => [
    '/usr/bin/etcd',
    '--name=shipline',
    `--data-dir=${join(dir(), 'data')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=shipline=${peerUrl}`,
    '--log-level=warn',
  ],
  ready: () => answers(`${etcdUrl}/health`),
  async version() {
    const res = await httpGet(`${etcdUrl}/version`);
    return (JSON.parse(res.body) as { etcdserver: string }).etcdserver;
  },
});
