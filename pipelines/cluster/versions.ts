// `shipline version`: shipline's and Node's versions, and those of the parts it talks to
// when they answer (buildx, the builder's BuildKit, the cluster, the routing
// implementation). Every probe has a short deadline: a part that does not answer in time
// is reported unreachable instead of holding the command up.
import { parseInspect } from '../adapters/buildx.js';
import type { KubeClient, KubeObject } from '../adapters/kube.js';
import { run } from '../adapters/process.js';
import { connectTo, type ConnectOptions } from './connect.js';
import { gatewayGroup } from '../model/api-groups.js';
import { gatherImplementation } from './implementation.js';
import { toolVersion } from '../version.js';

export interface ComponentVersion {
  name: 'shipline' | 'node' | 'buildx' | 'buildkit' | 'cluster' | 'routing';
  status: 'ok' | 'unreachable' | 'absent';
  version?: string;
  /** Where it was asked (builder, context and server, …) or why it did not answer. */
  detail?: string;
}

export interface VersionProbeOptions extends ConnectOptions {
  /** The buildx builder to ask for its BuildKit version (default: buildx's current one). */
  builder?: string;
  /** Deadline of each probe (default 3 s). */
  timeoutMs?: number;
  /** cluster.kubeconfig of the config, when one was read. */
  configKubeconfig?: string;
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

function deadline<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s (${what})`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function buildxVersion(timeoutMs: number): Promise<ComponentVersion> {
  const result = await run(['docker', 'buildx', 'version'], { nothrow: true, timeoutMs }).catch((error: unknown) => ({ exitCode: -1, stdout: '', stderr: firstLine(error), timedOut: false }));
  if (result.timedOut) return { name: 'buildx', status: 'unreachable', detail: `no answer within ${timeoutMs / 1000}s` };
  if (result.exitCode !== 0) return { name: 'buildx', status: 'absent', detail: result.stderr.trim().split('\n')[0] || 'docker buildx is not installed' };
  const version = /v?(\d+\.\d+\.\d+\S*)/.exec(result.stdout)?.[1];
  return { name: 'buildx', status: 'ok', version };
}

async function buildkitVersion(builder: string | undefined, timeoutMs: number): Promise<ComponentVersion> {
  const argv = ['docker', 'buildx', 'inspect', ...(builder ? [builder] : [])];
  const result = await run(argv, { nothrow: true, timeoutMs }).catch((error: unknown) => ({ exitCode: -1, stdout: '', stderr: firstLine(error), timedOut: false }));
  if (result.timedOut) return { name: 'buildkit', status: 'unreachable', detail: `builder ${builder ?? '(current)'}: no answer within ${timeoutMs / 1000}s` };
  if (result.exitCode !== 0) return { name: 'buildkit', status: 'absent', detail: `builder ${builder ?? '(current)'}: ${result.stderr.trim().split('\n')[0] || 'not found'}` };
  const info = parseInspect(result.stdout);
  const where = `builder ${info.name || builder}, ${info.driver} driver${info.endpoint ? ` at ${info.endpoint}` : ''}`;
  if (!info.buildkitVersion) return { name: 'buildkit', status: 'unreachable', detail: `${where}: ${info.status || 'not running'}` };
  return { name: 'buildkit', status: 'ok', version: info.buildkitVersion, detail: where };
}

async function clusterVersions(options: VersionProbeOptions, timeoutMs: number): Promise<ComponentVersion[]> {
  let client: KubeClient;
  try {
    client = connectTo(options, options.configKubeconfig);
  } catch (error) {
    const detail = firstLine(error);
    return [{ name: 'cluster', status: 'absent', detail }, { name: 'routing', status: 'unreachable', detail: 'no cluster' }];
  }
  const where = `context ${client.currentContext}, ${client.server}`;
  try {
    const { body } = await deadline(timeoutMs, 'GET /version', client.request<{ gitVersion?: string }>('GET', '/version', { timeoutMs, once: true }));
    const cluster: ComponentVersion = { name: 'cluster', status: 'ok', version: body.gitVersion, detail: where };
    return [cluster, await deadline(timeoutMs, 'routing', routingVersion(client, timeoutMs)).catch((error: unknown) => ({ name: 'routing' as const, status: 'unreachable' as const, detail: firstLine(error) }))];
  } catch (error) {
    return [{ name: 'cluster', status: 'unreachable', detail: `${where}: ${firstLine(error)}` }, { name: 'routing', status: 'unreachable', detail: 'cluster unreachable' }];
  }
}

/** The routing implementation: the GatewayClasses' controllers and the Gateway API release, and Istio's control plane. */
async function routingVersion(client: KubeClient, timeoutMs: number): Promise<ComponentVersion> {
  const group = await client.request<{ preferredVersion?: { version: string } }>('GET', `/apis/${gatewayGroup}`, { timeoutMs, once: true }).catch(() => undefined);
  const implementation = await gatherImplementation(client, group?.body.preferredVersion?.version);
  const crd = group
    ? await client.request<KubeObject>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gatewayclasses.${gatewayGroup}`, { timeoutMs, once: true }).catch(() => undefined)
    : undefined;
  const bundle = (crd?.body.metadata.annotations as Record<string, string> | undefined)?.[`${gatewayGroup}/bundle-version`];
  const classes = implementation.gatewayClasses.map((c) => `${c.implementation} (gatewayclass ${c.name}, ${c.accepted ? 'Accepted' : 'not Accepted'})`);
  const parts = [...classes, ...(implementation.istio.controlPlane ? [`istio: ${implementation.istio.detail}`] : [])];
  if (parts.length === 0) return { name: 'routing', status: 'absent', detail: 'no GatewayClass and no istiod' };
  const names = [...new Set(implementation.gatewayClasses.map((c) => c.implementation))];
  if (implementation.istio.controlPlane && !names.includes('istio')) names.push('istio');
  return {
    name: 'routing',
    status: 'ok',
    version: bundle ? `Gateway API ${bundle}` : undefined,
    detail: `${names.join(', ')}: ${parts.join('; ')}`,
  };
}

export async function probeVersions(options: VersionProbeOptions): Promise<ComponentVersion[]> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const [buildx, buildkit, cluster] = await Promise.all([
    buildxVersion(timeoutMs),
    buildkitVersion(options.builder, timeoutMs),
    clusterVersions(options, timeoutMs),
  ]);
  return [
    { name: 'shipline', status: 'ok', version: toolVersion() },
    { name: 'node', status: 'ok', version: process.versions.node },
    buildx,
    buildkit,
    ...cluster,
  ];
}

