// A route of its own for a rollout test: a config with routing and rollout sections,
// and sample-service images built by the real stack, pinned by digest.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { build } from '../../pipelines/build/run.js';
import { loadConfig, projectRoot, type LoadedConfig } from '../../pipelines/config/load.js';
import { baseImageRef, registryAddress } from '../../pipelines/stack/layout.js';
import type { KubeClient } from '../../pipelines/adapters/kube.js';

export interface RolloutFixture {
  id: string;
  dir: string;
  configFile: string;
  loaded: () => LoadedConfig;
  /** The first host port of its versions (each fixture has a range of its own). */
  port: number;
  /** Builds the sample service with VERSION=version; returns repo@sha256. */
  image: (version: string) => Promise<string>;
  /** Deletes everything the rollouts of this route created. */
  cleanup: (client: KubeClient) => Promise<void>;
}

export function rolloutFixture(rollout: Record<string, unknown>, port = 20000 + Math.floor(Math.random() * 2000) * 10): RolloutFixture {
  const id = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'shipline-rollout-'));
  const config = {
    image: { repository: `${registryAddress}/it/link`, dockerfile: join(projectRoot, 'Dockerfile.musl'), context: projectRoot, buildArgs: { BASE: baseImageRef } },
    routing: { name: `link-${id}`, hosts: ['link.example.com'], service: `link-${id}`, port: 8080, rules: [{ to: [{ service: `link-${id}` }] }] },
    rollout: {
      pause: '0s',
      availableTimeout: '3m',
      lease: { duration: '3s' },
      workload: { hostNetwork: true, port, terminationGracePeriodSeconds: 1, command: ['/bin/busybox', 'httpd', '-f', '-p', '127.0.0.1:{port}', '-h', '/www'] },
      ...rollout,
    },
  };
  const configFile = join(dir, 'shipline.yaml');
  writeFileSync(configFile, stringify(config));
  return {
    id,
    dir,
    configFile,
    loaded: () => loadConfig(configFile),
    port,
    async cleanup(client: KubeClient) {
      const ns = '/namespaces/default';
      const selector = { labelSelector: `app=link-${id}` };
      await client.request('DELETE', `/apis/apps/v1${ns}/deployments`, { query: selector });
      await client.request('DELETE', `/api/v1${ns}/configmaps`, { query: { labelSelector: `shipline.dev/route=link-${id}` } });
      for (const kind of ['virtualservices', 'destinationrules']) {
        await client.request('DELETE', `/apis/networking.istio.io/v1${ns}/${kind}/link-${id}`).catch(() => undefined);
      }
      await client.request('DELETE', `/apis/coordination.k8s.io/v1${ns}/leases/shipline-link-${id}`).catch(() => undefined);
    },
    async image(version: string) {
      const loaded = loadConfig(configFile);
      loaded.config.image.buildArgs = { ...loaded.config.image.buildArgs, VERSION: version };
      const result = await build({ loaded, clock: new Date(), tag: `${id}-${version}`, overrides: { oci: false, platforms: ['linux/amd64'] } });
      return result.pinned!;
    },
  };
}
