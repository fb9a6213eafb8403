// A route of its own for a rollout test: a config with routing and rollout sections,
// and sample-service images built by the real stack, pinned by digest.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { build } from '../../pipelines/build/run.js';
import { loadConfig, projectRoot, type LoadedConfig } from '../../pipelines/config/load.js';
import { registryAddress } from '../../pipelines/stack/layout.js';

export interface RolloutFixture {
  id: string;
  dir: string;
  configFile: string;
  loaded: () => LoadedConfig;
  /** Builds the sample service with VERSION=version; returns repo@sha256. */
  image: (version: string) => Promise<string>;
}

export function rolloutFixture(rollout: Record<string, unknown>, port: number): RolloutFixture {
  const id = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'shipline-rollout-'));
  const config = {
    image: { repository: `${registryAddress}/it/link`, dockerfile: join(projectRoot, 'Dockerfile.musl'), context: projectRoot },
    routing: { name: `link-${id}`, hosts: ['link.example.com'], service: `link-${id}`, port: 8080, rules: [{ to: [{ service: `link-${id}` }] }] },
    rollout: {
      pause: '0s',
      availableTimeout: '3m',
      lease: { duration: '3s' },
      workload: { hostNetwork: true, port, command: ['/bin/busybox', 'httpd', '-f', '-p', '127.0.0.1:{port}', '-h', '/www'] },
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
    async image(version: string) {
      const loaded = loadConfig(configFile);
      loaded.config.image.buildArgs = { VERSION: version };
      const result = await build({ loaded, clock: new Date(), tag: `${id}-${version}`, overrides: { oci: false, platforms: ['linux/amd64'] } });
      return result.pinned!;
    },
  };
}
