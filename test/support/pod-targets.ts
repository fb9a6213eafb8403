// Prometheus file targets for a test's service: the address of every running pod of the
// service (pod IP and container port, on the cluster's pod network), labelled with its
// version, rewritten while the test runs so that new versions are scraped within a second.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient } from '../../pipelines/adapters/kube.js';
import { prometheusTargetsDir } from '../../pipelines/stack/parts/prometheus.js';

interface Pod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { podIP?: string; phase?: string };
}

export function podTargets(client: KubeClient, app: string, labels: Record<string, string>, port = 8080): { stop: () => void } {
  const file = join(prometheusTargetsDir(), `it-${app}.json`);
  let stopped = false;
  const write = async () => {
    const res = await client.request<{ items: Pod[] }>('GET', '/api/v1/namespaces/default/pods', { query: { labelSelector: `app=${app}` } });
    const targets = res.body.items
      .filter((p) => p.status?.podIP && p.status.phase === 'Running' && !p.metadata.deletionTimestamp)
      .map((p) => ({ targets: [`${p.status!.podIP!}:${port}`], labels: { ...labels, version: p.metadata.labels?.version ?? '', pod: p.metadata.name } }));
    if (!stopped) writeFileSync(file, JSON.stringify(targets));
  };
  const loop = async () => {
    while (!stopped) {
      await write().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
      rmSync(file, { force: true });
    },
  };
}
