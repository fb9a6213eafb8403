// The data plane: Traefik built from its Go module, run outside the cluster against the
// stack's kube-apiserver. Its kubernetesgateway provider routes real requests on
// 127.0.0.1 by the HTTPRoutes applied to the stack's Gateway; its kubernetescrd
// provider serves TraefikService mirroring. Metrics go to the stack's Prometheus.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { KubeApiError, type KubeObject } from '../../adapters/kube.js';
import { run } from '../../adapters/process.js';
import { ExternalError } from '../../errors.js';
import { projectRoot } from '../../project-root.js';
import { daemonPart } from '../daemon-part.js';
import { buildGoTool, goModuleDir } from '../install.js';
import { adminClient } from '../kube-node.js';
import { dataPlane, host, paths, ports, versions } from '../layout.js';
import type { Part, PartStatus } from '../part.js';
import { answers } from '../probe.js';

export const dataPlaneUrl = `http://${host}:${ports.traefikWeb}`;
export const traefikMetricsUrl = `http://${host}:${ports.traefikInternal}/metrics`;
const dir = () => join(paths.state(), 'traefik');
const fieldManager = 'shipline-stack';

/** Gateway API kinds Traefik's provider lists: without one of them it routes nothing. */
const gatewayApiCrds = ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants', 'backendtlspolicies'];

async function crdObjects(): Promise<KubeObject[]> {
  mkdirSync(dir(), { recursive: true });
  const traefik = await goModuleDir(`github.com/traefik/traefik/v3@${versions.traefik}`, dir());
  const files = [
    // shipline ships the Gateway API v1.7.0 standard CRDs verbatim (manifests/crds).
    ...gatewayApiCrds.map((kind) => join(projectRoot, 'manifests', 'crds', `gateway-api-${kind}.yaml`)),
    join(traefik, 'docs', 'content', 'reference', 'dynamic-configuration', 'kubernetes-crd-definition-v1.yml'),
  ];
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((doc) => doc.toJSON() as KubeObject | null)
      .filter((o): o is KubeObject => o?.kind === 'CustomResourceDefinition'),
  );
}

/** Installs a CRD unless one of that name is there (a user's or a test's copy is kept). */
async function ensureCrds(): Promise<void> {
  const client = adminClient();
  for (const crd of await crdObjects()) {
    if (await client.get(crd)) continue;
    const { status: _status, ...clean } = crd as KubeObject & { status?: unknown };
    await client.apply(clean, { fieldManager, force: true });
  }
  client.forgetDiscovery();
}

export function gatewayObjects(): KubeObject[] {
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: dataPlane.gatewayClass },
      spec: { controllerName: dataPlane.controllerName },
    },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: dataPlane.gatewayNamespace } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: dataPlane.gateway, namespace: dataPlane.gatewayNamespace },
      spec: {
        gatewayClassName: dataPlane.gatewayClass,
        listeners: [{ name: dataPlane.listener, protocol: 'HTTP', port: ports.traefikWeb, allowedRoutes: { namespaces: { from: 'All' } } }],
      },
    },
  ];
}

async function ensureGateway(): Promise<void> {
  const client = adminClient();
  for (const object of gatewayObjects()) {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.apply(object, { fieldManager, force: true });
        break;
      } catch (error) {
        // A CRD just created is served a moment later.
        if (attempt >= 40 || !(error instanceof KubeApiError && error.status === 404)) throw error;
        client.forgetDiscovery();
        await sleep(250);
      }
    }
  }
}

interface Condition { type: string; status: string; reason?: string; message?: string }

async function gatewayProgrammed(): Promise<Condition | undefined> {
  const gateway = await adminClient().get<KubeObject & { status?: { conditions?: Condition[] } }>(gatewayObjects()[2]!);
  return gateway?.status?.conditions?.find((c) => c.type === 'Programmed');
}

export function traefikArgv(): string[] {
  return [
    paths.traefik(),
    '--global.checkNewVersion=false',
    '--global.sendAnonymousUsage=false',
    `--entryPoints.${dataPlane.listener}.address=${host}:${ports.traefikWeb}`,
    `--entryPoints.traefik.address=${host}:${ports.traefikInternal}`,
    '--ping=true',
    '--ping.entryPoint=traefik',
    '--providers.kubernetesgateway=true',
    `--providers.kubernetesgateway.statusAddress.ip=${host}`,
    '--providers.kubernetescrd=true',
    '--providers.kubernetescrd.allowCrossNamespace=true',
    '--metrics.prometheus=true',
    '--metrics.prometheus.entryPoint=traefik',
    '--metrics.prometheus.addServicesLabels=true',
    // Fine buckets under a second, so that a p99 from the histogram means something.
    '--metrics.prometheus.buckets=0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10',
    // Apply route changes as they come (the default waits 2 s between provider events).
    '--providers.providersThrottleDuration=100ms',
    '--log.level=INFO',
  ];
}

const daemon = daemonPart({
  name: 'traefik',
  address: `${dataPlaneUrl} (Gateway ${dataPlane.gatewayNamespace}/${dataPlane.gateway}), metrics ${traefikMetricsUrl}`,
  ports: [ports.traefikWeb, ports.traefikInternal],
  async install() {
    if (!existsSync(paths.traefik())) await buildGoTool('traefik');
  },
  argv: traefikArgv,
  env: () => ({ ...process.env, KUBECONFIG: paths.kubeconfig() }),
  ready: () => answers(`http://${host}:${ports.traefikInternal}/ping`),
  async version() {
    const out = (await run([paths.traefik(), 'version'], { timeoutMs: 10_000 })).stdout;
    return /Version:\s+(\S+)/.exec(out)?.[1] ?? 'unknown';
  },
});

async function waitProgrammed(timeoutMs: number): Promise<Condition | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const programmed = await gatewayProgrammed().catch(() => undefined);
    if (programmed?.status === 'True' || Date.now() > deadline) return programmed;
    await sleep(250);
  }
}

export const traefik: Part = {
  ...daemon,
  async start() {
    // Every start, not only the first: removing a CRD takes the Gateway (and routes) with it.
    await ensureCrds();
    await ensureGateway();
    await daemon.start();
    // Up means routing: the Gateway is Programmed by this Traefik. A Traefik whose watches
    // lost a CRD that came back may not notice: restarted once.
    let programmed = await waitProgrammed(20_000);
    if (programmed?.status !== 'True') {
      await daemon.stop();
      await daemon.start();
      programmed = await waitProgrammed(60_000);
    }
    if (programmed?.status !== 'True') {
      throw new ExternalError(
        `traefik: Gateway ${dataPlane.gatewayNamespace}/${dataPlane.gateway} not Programmed` +
          (programmed ? ` (${programmed.reason}: ${programmed.message})` : ' (no status)'),
      );
    }
  },
  async status(): Promise<PartStatus> {
    const status = await daemon.status();
    if (!status.up) return status;
    const programmed = await gatewayProgrammed().catch(() => undefined);
    return programmed?.status === 'True'
      ? status
      : { ...status, up: false, note: `Gateway not Programmed${programmed ? ` (${programmed.reason})` : ''}` };
  },
};
