// A route of its own for a rollout test: a config with routing and rollout sections, the
// sample service's manifest renamed to the route (link-<id>), and sample-service images
// built by the real stack, pinned by digest.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { build } from '../../pipelines/build/run.js';
import { loadConfig, projectRoot, type LoadedConfig } from '../../pipelines/config/load.js';
import { baseImageRef, registryAddress } from '../../pipelines/stack/layout.js';
import type { KubeClient } from '../../pipelines/adapters/kube.js';

export interface RolloutFixture {
  id: string;
  /** The route, service and Deployment name: link-<id>. */
  name: string;
  dir: string;
  configFile: string;
  /** The renamed sample manifest (deploy.yaml in dir). */
  manifestFile: string;
  loaded: () => LoadedConfig;
  /** Builds the sample service with VERSION=version (and more build args); returns repo@sha256. */
  image: (version: string, buildArgs?: Record<string, string>) => Promise<string>;
  /** Deletes everything the rollouts of this route created. */
  cleanup: (client: KubeClient) => Promise<void>;
}

/** The sample manifest (service/deploy/link.yaml) with every `link` name and label renamed. */
export function sampleManifest(name: string): string {
  const text = readFileSync(join(projectRoot, 'service/deploy/link.yaml'), 'utf8');
  return text.replace(/: link(-config)?$/gm, `: ${name}$1`);
}

export interface FixtureOptions {
  /** Use the generated Deployment instead of the sample manifest. */
  generated?: boolean;
  /** Merged into the routing section (e.g. gateways, api). */
  routing?: Record<string, unknown>;
  /** Route `<name>.example.com` instead of link.example.com (routes sharing a Gateway need their own host). */
  ownHost?: boolean;
}

export function rolloutFixture(rollout: Record<string, unknown>, options: FixtureOptions = {}): RolloutFixture {
  const id = randomBytes(3).toString('hex');
  const name = `link-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'shipline-rollout-'));
  const manifestFile = join(dir, 'deploy.yaml');
  writeFileSync(manifestFile, sampleManifest(name));
  const config = {
    image: { repository: `${registryAddress}/it/link`, dockerfile: join(projectRoot, 'Dockerfile.musl'), context: projectRoot, buildArgs: { BASE: baseImageRef } },
    routing: {
      name, hosts: [options.ownHost ? `${name}.example.com` : 'link.example.com'], service: name, port: 8080, rules: [{ to: [{ service: name }] }],
      // A mesh route on the stack: its Istio CRDs have no istiod, so the route is checked by the API only.
      ...(options.routing?.gateways ? {} : { implementation: 'external' }),
      ...options.routing,
    },
    rollout: {
      pause: '0s',
      availableTimeout: '3m',
      lease: { duration: '3s' },
      workload: options.generated ? { terminationGracePeriodSeconds: 1 } : { manifests: ['deploy.yaml'] },
      ...rollout,
    },
  };
  const configFile = join(dir, 'shipline.yaml');
  writeFileSync(configFile, stringify(config));
  return {
    id,
    name,
    dir,
    configFile,
    manifestFile,
    loaded: () => loadConfig(configFile),
    async cleanup(client: KubeClient) {
      const ns = '/namespaces/default';
      const selector = { labelSelector: `app=${name}` };
      await client.request('DELETE', `/apis/apps/v1${ns}/deployments`, { query: selector });
      await client.request('DELETE', `/apis/autoscaling/v2${ns}/horizontalpodautoscalers`, { query: selector }).catch(() => undefined);
      await client.request('DELETE', `/api/v1${ns}/configmaps`, { query: { labelSelector: `shipline.dev/route=${name}` } });
      await client.request('DELETE', `/api/v1${ns}/configmaps`, { query: selector });
      const services = await client.request<{ items: { metadata: { name: string } }[] }>('GET', `/api/v1${ns}/services`);
      for (const s of services.body.items.filter((x) => x.metadata.name === name || x.metadata.name.startsWith(`${name}-`))) {
        await client.request('DELETE', `/api/v1${ns}/services/${s.metadata.name}`).catch(() => undefined);
      }
      for (const kind of ['virtualservices', 'destinationrules']) {
        await client.request('DELETE', `/apis/networking.istio.io/v1${ns}/${kind}/${name}`).catch(() => undefined);
      }
      await client.request('DELETE', `/apis/gateway.networking.k8s.io/v1${ns}/httproutes/${name}`).catch(() => undefined);
      for (let i = 0; i < 4; i++) {
        await client.request('DELETE', `/apis/traefik.io/v1alpha1${ns}/traefikservices/${name}-mirror-${i}`).catch(() => undefined);
      }
      await client.request('DELETE', `/apis/coordination.k8s.io/v1${ns}/leases/shipline-${name}`).catch(() => undefined);
    },
    async image(version: string, buildArgs: Record<string, string> = {}) {
      const loaded = loadConfig(configFile);
      loaded.config.image.buildArgs = { ...loaded.config.image.buildArgs, ...buildArgs, VERSION: version };
      const result = await build({ loaded, clock: new Date(), tag: `${id}-${version}`, overrides: { oci: false, platforms: ['linux/amd64'] } });
      return result.pinned!;
    },
  };
}

/** `http://<pod address>:8080` of the ready pods of one version of the fixture's service. */
export async function versionPods(client: KubeClient, name: string, subset: string): Promise<string[]> {
  const res = await client.request<{ items: { metadata: { deletionTimestamp?: string }; status?: { podIP?: string; conditions?: { type: string; status: string }[] } }[] }>(
    'GET', '/api/v1/namespaces/default/pods', { query: { labelSelector: `app=${name},version=${subset}` } },
  );
  return res.body.items
    .filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => `http://${p.status!.podIP!}:8080`);
}
