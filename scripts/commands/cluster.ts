import type { Command } from 'commander';
import type { RoutingFacts } from '../../pipelines/cluster/check-facts.js';
import type { ApiChoice } from '../../pipelines/cluster/choose-api.js';
import { readManifests, readObjects } from '../../pipelines/cluster/documents.js';
import { clusterSettings, loadConfig } from '../../pipelines/config/load.js';
import { ContextError, ExitCode, InputError, PreconditionError, ShiplineError } from '../../pipelines/errors.js';
import { parseTimeoutFlag } from '../../pipelines/cluster/timeout-flag.js';
import { printReport, withOutput, type OutputFlags } from '../command-kit/output-format.js';
import { applyReport, checkReport, clientApplyReport, deleteReport, diffReport } from './cluster-output.js';
import { configOptionHelp } from '../../pipelines/config/find.js';
import { dryRunMode, dryRunModes, dryRunOption } from '../command-kit/dry-run.js';
import { withClusterFlags as withKubeFlags, type ClusterFlags as KubeFlags } from '../command-kit/cluster-flags.js';

/** What only `check` needs (routing config, API choice, rendering: re2js and the routing schemas), not loaded by apply, diff or delete. */
const checkParts = async () => {
  const [{ chooseRoutingApi }, { routingConfig }, { routingNeeds }, { missingFeatures }, { renderRouting }] = await Promise.all([
    import('../../pipelines/cluster/choose-api.js'),
    import('../../pipelines/cluster/routing-config.js'),
    import('../../pipelines/cluster/routing-needs.js'),
    import('../../manifests/route-features.js'),
    import('../../manifests/render.js'),
  ]);
  return { chooseRoutingApi, routingConfig, routingNeeds, missingFeatures, renderRouting };
};

/** What talks to the cluster (the Kubernetes client) loads only when a command runs, not for help. */
const clusterDoors = async () => {
  const [{ connect }, { applyObjects, deleteObjects }] = await Promise.all([import('../../pipelines/cluster/connect.js'), import('../../pipelines/cluster/apply.js')]);
  return { connect, applyObjects, deleteObjects };
};

interface ClusterFlags extends KubeFlags {
  config?: string;
}

function withClusterFlags(command: Command): Command {
  return withKubeFlags(command.option('-c, --config <file>', configOptionHelp));
}

function formatFacts(facts: RoutingFacts, choice: ApiChoice | undefined, error: ShiplineError | undefined): string {
  const served = (name: string, versions: RoutingFacts['istio']['versions']) =>
    versions.length === 0 ? `${name}: not served` : `${name}: ${versions.map((v) => `${v.version} (${v.kinds.join(', ')})`).join('; ')}`;
  const lines = [served('networking.istio.io', facts.istio.versions), served('gateway.networking.k8s.io', facts.gatewayApi.versions)];
  lines.push(`fields: ${Object.entries(facts.fields).map(([k, v]) => `${k}=${v ? 'yes' : 'no'}`).join(' ')}`);
  lines.push(`may patch: ${Object.entries(facts.canPatch).map(([k, v]) => `${k}=${v ? 'yes' : 'no'}`).join(' ')}`);
  const { implementation } = facts;
  for (const c of implementation.gatewayClasses) {
    lines.push(`gatewayclass ${c.name}: ${c.implementation} (${c.controllerName}), ${c.accepted ? 'Accepted' : `not Accepted${c.acceptedReason ? ` (${c.acceptedReason})` : ''}`}` +
      `; supported features: ${c.supportedFeatures ? c.supportedFeatures.join(', ') : 'not published'}`);
  }
  for (const g of implementation.gateways) {
    lines.push(`gateway ${g.namespace}/${g.name}: class ${g.gatewayClassName}, ${g.programmed ? 'Programmed' : 'not Programmed'}` +
      `${g.addresses.length ? ` at ${g.addresses.join(', ')}` : ''}; listeners ${g.listeners.map((l) => `${l.name} ${l.protocol}/${l.port}`).join(', ') || 'none'}`);
  }
  if (implementation.gatewayClasses.length === 0) lines.push('gatewayclass: none (no Gateway API implementation)');
  lines.push(`istio control plane: ${implementation.istio.detail}`);
  lines.push(choice ? `routing api: ${choice.api} ${choice.apiVersion}` : `routing api: none (${error?.message.split('\n')[0]})`);
  return lines.join('\n');
}

export function registerClusterCommands(program: Command): void {
  withOutput(withClusterFlags(program.command('check')))
    .description('what routing the cluster serves, and which API and version render will use')
    .action(async (flags: ClusterFlags & OutputFlags) => {
      const loaded = loadConfig(flags.config);
      const { chooseRoutingApi, routingConfig, routingNeeds, missingFeatures, renderRouting } = await checkParts();
      const routing = routingConfig(loaded);
      const [{ connect }, { gatherRoutingFacts }, { classForGateways }] = await Promise.all([
        import('../../pipelines/cluster/connect.js'),
        import('../../pipelines/cluster/check-facts.js'),
        import('../../pipelines/cluster/implementation.js'),
      ]);
      const client = connect(loaded.config.cluster, flags);
      const namespace = flags.namespace ?? routing.intent?.namespace ?? loaded.config.cluster.namespace;
      const facts = await gatherRoutingFacts(client, namespace);
      let choice: ApiChoice | undefined;
      let failure: ShiplineError | undefined;
      try {
        // The rule a rollout follows: an API whose implementation does not run is never the answer.
        choice = chooseRoutingApi(routingNeeds(routing.intent), facts, routing.api, routing.istioVersion, routing.implementation);
        const cls = choice.api === 'gateway-api' && routing.intent ? classForGateways(facts.implementation, routing.intent.gateways, routing.intent.namespace) : undefined;
        if (cls && routing.intent) {
          const missing = missingFeatures(renderRouting(routing.intent, { api: 'gateway-api', istioVersion: 'v1', file: loaded.file, positions: loaded.positions }), cls.supportedFeatures);
          if (missing.length > 0) {
            throw new PreconditionError(`GatewayClass ${cls.name} (${cls.implementation}) does not support ${missing.map((m) => `${m.feature} (${m.field})`).join(', ')}, which the routing needs`, {
              hint: 'drop the setting from the routing rules, or route through an implementation that supports it',
            });
          }
        }
      } catch (error) {
        failure = error as ShiplineError;
      }
      const data = { context: client.currentContext, server: client.server, namespace, ...facts, choice: choice ?? null, error: failure?.message ?? null };
      await printReport(flags, checkReport(data, () => `context: ${client.currentContext} (${client.server})\n${formatFacts(facts, choice, failure)}`));
      if (failure) throw failure;
    });

  withOutput(withClusterFlags(program.command('apply')))
    .description('server-side apply of YAML files (every object is dry-run first; nothing changes if one fails)')
    .requiredOption('-f, --filename <paths...>', filenameHelp)
    .option('-R, --recursive', recursiveHelp)
    .addOption(dryRunOption('change nothing; client: read and check the files here, send nothing; server: the API server validates every object (a server-side dry run)'))
    .option('--diff', 'show what would change against the live objects, and change nothing (a server dry run)')
    .option('--force-conflicts', 'take over fields owned by other managers')
    .option('--field-manager <name>', 'field manager (default: cluster.fieldManager, shipline)')
    .action(async (flags: ClusterFlags & OutputFlags & ApplyFlags & { dryRun?: string | boolean }) => {
      const mode = dryRunMode(flags.dryRun, dryRunModes, 'apply', '');
      if (mode === 'client') {
        if (flags.diff) throw new InputError('--diff needs the live objects: it is a server dry run', { hint: 'use --diff alone, or --dry-run=server --diff' });
        clusterSettings(flags.config);
        const { files, objects } = readManifests(flags.filename, flags.namespace, { recursive: flags.recursive });
        await (await import('./apply-lint.js')).lintBeforeSending('apply --dry-run=client', files, objects);
        await printReport(flags, clientApplyReport(objects));
        return;
      }
      // --diff shows what an apply would change; it never changes anything itself.
      const dryRun = mode === 'server' || flags.diff === true;
      await printReport(flags, applyReport(await planApply(flags, dryRun), dryRun));
    });

  withOutput(withClusterFlags(program.command('diff')))
    .description('what `apply -f` would change against the live objects; exits 0 with no differences, 1 with some, 2 or more on an error (as kubectl diff)')
    .requiredOption('-f, --filename <paths...>', filenameHelp)
    .option('-R, --recursive', recursiveHelp)
    .option('--force-conflicts', 'diff as if taking over fields owned by other managers')
    .option('--field-manager <name>', 'field manager (default: cluster.fieldManager, shipline)')
    .action(async (flags: ClusterFlags & OutputFlags & ApplyFlags) => {
      let outcomes: Awaited<ReturnType<typeof planApply>>;
      try {
        outcomes = await planApply({ ...flags, diff: true }, true);
      } catch (error) {
        // Exit 1 means "differences" here: an error must exit above it.
        if (error instanceof ShiplineError && error.exitCode === ExitCode.external) {
          throw new ContextError(error.message, error, { hint: error.hint, exitCode: ExitCode.invalidInput });
        }
        throw error;
      }
      await printReport(flags, diffReport(outcomes));
      // Like kubectl diff: differences are a result, not an error (nothing goes to stderr).
      if (outcomes.some((o) => o.diff)) process.exitCode = 1;
    });

  withOutput(withClusterFlags(program.command('delete')))
    .description('delete the objects of YAML files and wait until they and their dependents (pods) are gone')
    .requiredOption('-f, --filename <paths...>', filenameHelp)
    .option('-R, --recursive', recursiveHelp)
    .option('--timeout <seconds>', 'how long to wait for the objects to go (seconds, or a duration such as 2m)', '120')
    .action(async (flags: ClusterFlags & OutputFlags & { filename: string[]; recursive?: boolean; timeout: string }) => {
      const timeoutMs = parseTimeoutFlag(flags.timeout);
      const cluster = clusterSettings(flags.config);
      const objects = readObjects(flags.filename, flags.namespace, { recursive: flags.recursive });
      const { connect, deleteObjects } = await clusterDoors();
      const client = connect(cluster, flags);
      const outcomes = await deleteObjects(client, objects, {
        namespace: flags.namespace ?? cluster.namespace,
        timeoutMs,
      });
      await printReport(flags, deleteReport(outcomes));
    });
}

interface ApplyFlags {
  filename: string[];
  recursive?: boolean;
  diff?: boolean;
  forceConflicts?: boolean;
  fieldManager?: string;
}

const filenameHelp = 'YAML or JSON files, folders of them, or - for standard input';
const recursiveHelp = 'read the subfolders of -f folders too';

/** Reads the files and applies them (or dry-runs them on the server). */
async function planApply(flags: ClusterFlags & ApplyFlags, dryRun: boolean) {
  const cluster = clusterSettings(flags.config);
  const namespace = flags.namespace ?? cluster.namespace;
  const { files, objects } = readManifests(flags.filename, flags.namespace, { recursive: flags.recursive });
  await (await import('./apply-lint.js')).lintBeforeSending(flags.diff ? 'diff' : 'apply', files, objects);
  const { connect, applyObjects } = await clusterDoors();
  const client = connect(cluster, flags);
  return applyObjects(client, objects, {
    fieldManager: flags.fieldManager ?? cluster.fieldManager,
    namespace,
    force: flags.forceConflicts,
    dryRun,
    diff: flags.diff,
  });
}
