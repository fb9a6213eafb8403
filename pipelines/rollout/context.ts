// Everything a rollout command needs, gathered and checked before anything changes:
// config sections, the cluster (context guard), and the routing API it serves.
import type { KubeClient, KubeObject } from '../adapters/kube.js';
import type { RoutingIntent } from '../../manifests/intent.js';
import { gatherRoutingFacts } from '../cluster/check-facts.js';
import { chooseRoutingApi, type ApiChoice } from '../cluster/choose-api.js';
import { classForGateways, type GatewayClassFacts } from '../cluster/implementation.js';
import { connect, type ConnectOptions } from '../cluster/connect.js';
import { checkParentGateways } from '../cluster/parent-gateways.js';
import { routingConfig } from '../cluster/routing-config.js';
import { routingNeeds } from '../cluster/routing-needs.js';
import type { LoadedConfig } from '../config/load.js';
import { invalidConfig } from '../model/config-issues.js';
import { rolloutConfig, type RolloutConfig } from '../config/rollout.js';
import { readManifests } from './read-manifests.js';
import { generatedTemplate, templateFromManifests, type WorkloadTemplate } from './template.js';

export interface RolloutContext {
  loaded: LoadedConfig;
  client: KubeClient;
  intent: RoutingIntent;
  rollout: RolloutConfig;
  /** The Deployment each version is derived from (the user's, or the generated one). */
  template: WorkloadTemplate;
  choice: ApiChoice;
  /** The GatewayClass serving the route's Gateways (Gateway API), with its features. */
  gatewayClass?: GatewayClassFacts;
  namespace: string;
  fieldManager: string;
  /** The route's name: the VirtualService / HTTPRoute, the lease and the history key. */
  route: string;
  service: string;
  log: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  /** --force-conflicts: take over fields other managers own in every object, not only the route. */
  forceConflicts?: boolean;
  /** Set while a first release runs: every change it makes, so a failure can undo or name them. */
  changes?: Change[];
  /** The route's lease while a command holds it: confirmed before every change. */
  lock?: { confirm(): Promise<void>; readonly signal: AbortSignal };
}

/** One object a rollout changed, as the API server reported it. */
export interface Change {
  object: KubeObject;
  action: 'created' | 'configured';
  /** The object as it was before (configured only). */
  before?: KubeObject;
}

export async function rolloutContext(
  loaded: LoadedConfig,
  options: ConnectOptions & {
    log?: (line: string) => void;
    sleep?: (ms: number) => Promise<void>;
    strategyNeeds?: Partial<ReturnType<typeof routingNeeds>>;
    forceConflicts?: boolean;
  },
): Promise<RolloutContext> {
  const routing = routingConfig(loaded);
  if (!routing.intent) {
    throw invalidConfig(loaded.file, [{ path: 'routing', message: 'missing; a rollout shifts traffic along a route' }], 'add a routing section (see `shipline init`)', loaded.positions);
  }
  const intent = routing.intent;
  if (!intent.service) {
    throw invalidConfig(loaded.file, [{ path: 'routing.service', message: 'missing; the rollout deploys versions of this service' }], undefined, loaded.positions);
  }
  const rollout = rolloutConfig(loaded);
  const template = await workloadTemplate(loaded, rollout, intent.namespace, intent.service, intent.selector);
  const client = connect(loaded.config.cluster, options);
  const facts = await gatherRoutingFacts(client, intent.namespace);
  const needs = { ...routingNeeds(intent), subsets: true, ...options.strategyNeeds };
  // Nothing is changed for an API whose implementation does not run (unless declared external).
  const choice = chooseRoutingApi(needs, facts, routing.api, routing.istioVersion, routing.implementation);
  if (choice.api === 'gateway-api') await checkParentGateways(client, intent, choice.version);
  return {
    loaded,
    client,
    intent,
    rollout,
    template,
    choice,
    gatewayClass: choice.api === 'gateway-api' ? classForGateways(facts.implementation, intent.gateways, intent.namespace) : undefined,
    namespace: intent.namespace,
    fieldManager: loaded.config.cluster.fieldManager,
    route: intent.name,
    service: intent.service,
    forceConflicts: options.forceConflicts,
    log: options.log ?? (() => undefined),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
}

/** Reads and checks the user's manifests (exit 2 on any problem, before anything changes). */
export async function workloadTemplate(
  loaded: LoadedConfig,
  rollout: RolloutConfig,
  namespace: string,
  service: string,
  selector: Record<string, string> | undefined,
): Promise<WorkloadTemplate> {
  const w = rollout.workload;
  if (!w.manifests) return generatedTemplate({ service, namespace, selector: selector ?? { app: service }, workload: w });
  const objects = await readManifests(w.manifests, loaded.baseDir, loaded.file);
  return templateFromManifests(objects, w.manifests.join(', '), { configFile: loaded.file, deployment: w.deployment, container: w.container, namespace, routeLabels: selector ?? { app: service } });
}
