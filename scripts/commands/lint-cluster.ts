// `lint --cluster`: the cluster decides the API versions the bundled CRDs no longer serve.
// Served there: a warning that says so (valid on that cluster, whatever --strict says);
// not served: an error, as the apiserver would refuse the object.
import type { Finding } from '../../manifests/lint.js';
import { clusterSettings } from '../../pipelines/config/load.js';
import type { ClusterFlags } from '../command-kit/cluster-flags.js';

export async function askCluster(findings: Finding[], flags: ClusterFlags & { config?: string }): Promise<void> {
  const asked = findings.filter((f) => f.retired);
  if (asked.length === 0) return;
  const { connect } = await import('../../pipelines/cluster/connect.js');
  const client = connect(clusterSettings(flags.config), flags);
  const served = new Map<string, boolean>();
  for (const f of asked) {
    const key = `${f.retired!.apiVersion} ${f.retired!.kind}`;
    if (!served.has(key)) served.set(key, (await client.resourceFor(f.retired!.apiVersion, f.retired!.kind)) !== undefined);
    const context = `the cluster (context ${client.currentContext})`;
    if (served.get(key)) {
      f.severity = 'warning';
      f.message += `; ${context} serves it`;
      f.fix = `nothing for this cluster; for others ${f.fix.replace(/, or keep .*$/, '')}`;
    } else {
      f.severity = 'error';
      f.message += `; ${context} does not serve it either`;
      f.fix = f.fix.replace(/, or keep .*$/, '');
    }
  }
}
