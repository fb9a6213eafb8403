import type { Command } from 'commander';
import { applyObjects, deleteObjects } from '../../pipelines/cluster/apply.js';
import { gatherRoutingFacts, type RoutingFacts } from '../../pipelines/cluster/check-facts.js';
import { chooseRoutingApi, type ApiChoice } from '../../pipelines/cluster/choose-api.js';
import { connect } from '../../pipelines/cluster/connect.js';
import { describeObject, readObjects } from '../../pipelines/cluster/documents.js';
import { routingConfig } from '../../pipelines/cluster/routing-config.js';
import { routingNeeds } from '../../pipelines/cluster/routing-needs.js';
import { loadConfig } from '../../pipelines/config/load.js';
import { InputError, type ShiplineError } from '../../pipelines/errors.js';

interface ClusterFlags {
  config?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

const out = (text: string) => process.stdout.write(`${text}\n`);

function withClusterFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file (default: ./shipline.yaml, else the embedded default)')
    .option('--kubeconfig <file>', 'kubeconfig (default: KUBECONFIG, ~/.kube/config, else the local stack)')
    .option('--context <name>', 'kube context (must match cluster.context when the config names one)')
    .option('-n, --namespace <ns>', 'namespace for objects that name none (default: cluster.namespace)');
}

function formatFacts(facts: RoutingFacts, choice: ApiChoice | undefined, error: ShiplineError | undefined): string {
  const served = (name: string, versions: RoutingFacts['istio']['versions']) =>
    versions.length === 0 ? `${name}: not served` : `${name}: ${versions.map((v) => `${v.version} (${v.kinds.join(', ')})`).join('; ')}`;
  const lines = [served('networking.istio.io', facts.istio.versions), served('gateway.networking.k8s.io', facts.gatewayApi.versions)];
  lines.push(`fields: ${Object.entries(facts.fields).map(([k, v]) => `${k}=${v ? 'yes' : 'no'}`).join(' ')}`);
  lines.push(`may patch: ${Object.entries(facts.canPatch).map(([k, v]) => `${k}=${v ? 'yes' : 'no'}`).join(' ')}`);
  lines.push(choice ? `routing api: ${choice.api} ${choice.apiVersion}` : `routing api: none (${error?.message.split('\n')[0]})`);
  return lines.join('\n');
}

export function registerClusterCommands(program: Command): void {
  withClusterFlags(program.command('check'))
    .description('what routing the cluster serves, and which API and version render will use')
    .option('--json', 'machine-readable output')
    .action(async (flags: ClusterFlags & { json?: boolean }) => {
      const loaded = loadConfig(flags.config);
      const routing = routingConfig(loaded);
      const client = connect(loaded.config.cluster, flags);
      const namespace = flags.namespace ?? routing.intent?.namespace ?? loaded.config.cluster.namespace;
      const facts = await gatherRoutingFacts(client, namespace);
      let choice: ApiChoice | undefined;
      let failure: ShiplineError | undefined;
      try {
        choice = chooseRoutingApi(routingNeeds(routing.intent), facts, routing.api, routing.istioVersion);
      } catch (error) {
        failure = error as ShiplineError;
      }
      if (flags.json) out(JSON.stringify({ context: client.currentContext, server: client.server, namespace, ...facts, choice: choice ?? null, error: failure?.message ?? null }, null, 2));
      else out(`context: ${client.currentContext} (${client.server})\n${formatFacts(facts, choice, failure)}`);
      if (failure) throw failure;
    });

  withClusterFlags(program.command('apply'))
    .description('server-side apply of YAML files (every object is dry-run first; nothing changes if one fails)')
    .requiredOption('-f, --filename <paths...>', 'YAML files or folders')
    .option('--dry-run <mode>', 'server: validate and show, change nothing')
    .option('--diff', 'show what would change against the live objects')
    .option('--force-conflicts', 'take over fields owned by other managers')
    .option('--field-manager <name>', 'field manager (default: cluster.fieldManager, shipline)')
    .action(async (flags: ClusterFlags & { filename: string[]; dryRun?: string; diff?: boolean; forceConflicts?: boolean; fieldManager?: string }) => {
      if (flags.dryRun !== undefined && flags.dryRun !== 'server') {
        throw new InputError(`--dry-run=${flags.dryRun}: only server is supported`, { hint: 'use --dry-run=server' });
      }
      const loaded = loadConfig(flags.config);
      const namespace = flags.namespace ?? loaded.config.cluster.namespace;
      const objects = readObjects(flags.filename, flags.namespace);
      const client = connect(loaded.config.cluster, flags);
      const outcomes = await applyObjects(client, objects, {
        fieldManager: flags.fieldManager ?? loaded.config.cluster.fieldManager,
        namespace,
        force: flags.forceConflicts,
        dryRun: flags.dryRun === 'server',
        diff: flags.diff,
      });
      for (const o of outcomes) {
        if (o.diff) out(o.diff.trimEnd());
        out(`${describeObject(o.object)} ${o.action}${flags.dryRun ? ' (server dry run)' : ''}`);
      }
    });

  withClusterFlags(program.command('delete'))
    .description('delete the objects of YAML files and wait until they are gone')
    .requiredOption('-f, --filename <paths...>', 'YAML files or folders')
    .option('--timeout <seconds>', 'how long to wait for the objects to go', '120')
    .action(async (flags: ClusterFlags & { filename: string[]; timeout: string }) => {
      const loaded = loadConfig(flags.config);
      const objects = readObjects(flags.filename, flags.namespace);
      const client = connect(loaded.config.cluster, flags);
      const outcomes = await deleteObjects(client, objects, {
        namespace: flags.namespace ?? loaded.config.cluster.namespace,
        timeoutMs: Number(flags.timeout) * 1000,
      });
      for (const o of outcomes) out(`${describeObject(o.object)} ${o.action}`);
    });
}
