// The service's workload template: the user's Deployment picked out of their manifests
// (checked: selector, container, image), or the generated one when there are none. Pure.
import type { KubeObject } from '../adapters/kube.js';
import type { SourcedObject } from '../cluster/documents.js';
import { InputError } from '../errors.js';
import type { RolloutConfig } from '../config/rollout.js';
import { parseImageRef } from '../model/image-ref.js';
import type { DeploymentObject } from '../model/workload-objects.js';

export type { DeploymentObject } from '../model/workload-objects.js';

export interface WorkloadTemplate {
  /** Where the Deployment came from: "deploy.yaml doc 2", or "(generated)". */
  source: string;
  deployment: DeploymentObject;
  /** Name of the container whose image each version replaces. */
  container: string;
  /** HorizontalPodAutoscalers that target the Deployment: one per version. */
  autoscalers: KubeObject[];
  /** Everything else in the manifests, applied once per release. */
  shared: SourcedObject[];
}

export interface TemplateOptions {
  /** The config file, for errors about its fields. */
  configFile: string;
  deployment?: string;
  container?: string;
  /** The namespace the routing and the versions live in. */
  namespace: string;
  /** Labels the routing finds the service's pods by (routing.selector, default app=<service>). */
  routeLabels: Record<string, string>;
}

const where = (s: SourcedObject) => `${s.file} doc ${s.doc}`;

function fail(message: string, hint?: string): never {
  throw new InputError(message, { hint });
}

export function selectorMatches(selector: DeploymentObject['spec']['selector'] | undefined, labels: Record<string, string>): boolean {
  if (!selector || (!selector.matchLabels && !selector.matchExpressions)) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key]!);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

const formatLabels = (labels: Record<string, string> | undefined) =>
  Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '(none)';

/** An image the config can replace: a plain reference, no template syntax left in it. */
export function replaceableImage(image: unknown): boolean {
  return typeof image === 'string' && parseImageRef(image) !== undefined;
}

function targetsDeployment(hpa: KubeObject, name: string): boolean {
  const ref = (hpa.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
  return ref?.kind === 'Deployment' && ref.name === name;
}

/** Picks and checks the service's Deployment; every error names the file and field. */
export function templateFromManifests(objects: readonly SourcedObject[], files: string, options: TemplateOptions): WorkloadTemplate {
  const deployments = objects.filter((s) => s.object.kind === 'Deployment' && s.object.apiVersion === 'apps/v1');
  if (deployments.length === 0) {
    fail(`${files}: no Deployment (apps/v1) among the ${objects.length} objects of rollout.workload.manifests`, 'add the service\'s Deployment to the manifests, or drop rollout.workload.manifests to use the generated one');
  }
  let chosen: SourcedObject;
  if (options.deployment !== undefined) {
    const found = deployments.find((s) => s.object.metadata.name === options.deployment);
    if (!found) {
      fail(
        `${options.configFile}: rollout.workload.deployment: no Deployment named ${options.deployment} in ${files}`,
        `name one of: ${deployments.map((s) => s.object.metadata.name).join(', ')}`,
      );
    }
    chosen = found;
  } else if (deployments.length > 1) {
    fail(
      `${options.configFile}: rollout.workload.deployment: missing; ${files} hold ${deployments.length} Deployments (${deployments.map((s) => `${s.object.metadata.name} in ${where(s)}`).join(', ')})`,
      'name the service\'s Deployment in rollout.workload.deployment',
    );
  } else {
    chosen = deployments[0]!;
  }
  const deployment = chosen.object as DeploymentObject;
  const at = where(chosen);
  const name = deployment.metadata.name;
  const own = deployment.metadata.namespace;
  if (own !== undefined && own !== options.namespace) {
    fail(`${at}: Deployment ${name}: metadata.namespace is ${own}, but the route and its versions live in ${options.namespace} (routing.namespace)`, 'drop metadata.namespace or use the same namespace');
  }
  const containers = deployment.spec?.template?.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    fail(`${at}: Deployment ${name}: spec.template.spec.containers: missing or empty`);
  }
  const index = options.container === undefined ? 0 : containers.findIndex((c) => c.name === options.container);
  if (index < 0) {
    fail(
      `${options.configFile}: rollout.workload.container: Deployment ${name} (${at}) has no container named ${options.container} in spec.template.spec.containers`,
      `name one of: ${containers.map((c) => c.name).join(', ')}`,
    );
  }
  const container = containers[index]!;
  if (!replaceableImage(container.image)) {
    fail(
      `${at}: Deployment ${name}: spec.template.spec.containers[${index}].image: ${JSON.stringify(container.image ?? null)} is not an image reference shipline can replace by the version's digest`,
      'write a plain image reference (e.g. 127.0.0.1:5000/modco/link:latest), not a template placeholder',
    );
  }
  const podLabels = deployment.spec.template.metadata?.labels ?? {};
  if (!selectorMatches(deployment.spec.selector, podLabels)) {
    fail(
      `${at}: Deployment ${name}: spec.selector (${formatLabels(deployment.spec.selector?.matchLabels)}) does not match spec.template.metadata.labels (${formatLabels(podLabels)})`,
      'make the pod template carry every label the selector asks for',
    );
  }
  const missing = Object.entries(options.routeLabels).filter(([k, v]) => podLabels[k] !== v);
  if (missing.length > 0) {
    fail(
      `${at}: Deployment ${name}: spec.template.metadata.labels: lacks ${formatLabels(Object.fromEntries(missing))}, which the route selects the service's pods by (routing.selector in ${options.configFile}, default app=<routing.service>)`,
      'add the label to the pod template, or set routing.selector to labels the pods carry',
    );
  }
  const autoscalers = objects.filter((s) => s.object.kind === 'HorizontalPodAutoscaler' && targetsDeployment(s.object, name)).map((s) => s.object);
  const shared = objects.filter((s) => s !== chosen && !autoscalers.includes(s.object));
  return { source: at, deployment, container: container.name, autoscalers, shared };
}

export interface GeneratedInputs {
  service: string;
  namespace: string;
  /** Labels the routing selects the service by, default { app: service }. */
  selector: Record<string, string>;
  workload: RolloutConfig['workload'];
}

/** The Deployment shipline writes when the user gives none: one container, a port, a TCP probe. */
export function generatedTemplate(inputs: GeneratedInputs): WorkloadTemplate {
  const { workload, selector } = inputs;
  const deployment: DeploymentObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: inputs.service, namespace: inputs.namespace, labels: { ...selector, 'app.kubernetes.io/managed-by': 'shipline' } },
    spec: {
      replicas: workload.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          terminationGracePeriodSeconds: workload.terminationGracePeriodSeconds,
          containers: [
            {
              name: inputs.service,
              image: 'generated',
              ...(workload.command ? { command: workload.command } : {}),
              ports: [{ name: 'http', containerPort: workload.port }],
              readinessProbe: { tcpSocket: { port: workload.port }, periodSeconds: 2 },
            },
          ],
        },
      },
    },
  };
  return { source: '(generated)', deployment, container: inputs.service, autoscalers: [], shared: [] };
}

/** The port the HTTP gate probes on a pod: the container's first port, else the workload port. */
export function containerPort(template: WorkloadTemplate, fallback: number): number {
  const c = template.deployment.spec.template.spec.containers.find((x) => x.name === template.container);
  return c?.ports?.[0]?.containerPort ?? fallback;
}
