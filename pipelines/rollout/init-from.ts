// `shipline init --from deploy.yaml`: a commented shipline.yaml for an existing manifest —
// image repository, service, ports, routing and workload sections read from it. Pure.
import type { SourcedObject } from '../cluster/documents.js';
import { selectorMatches, templateFromManifests, type WorkloadTemplate } from './template.js';
import { splitImageRef } from '../model/image-ref.js';
import type { ServiceObject } from '../model/workload-objects.js';

export interface InitFromOptions {
  /** The manifest path as it goes into rollout.workload.manifests (relative to the config). */
  manifestPath: string;
  deployment?: string;
  container?: string;
}


/** `127.0.0.1:5000/modco/link:1.2@sha256:…` → `127.0.0.1:5000/modco/link`. */
export function imageRepository(image: string): string {
  return splitImageRef(image).name;
}

/** The Service whose selector picks the Deployment's pods. */
function serviceOf(objects: readonly SourcedObject[], template: WorkloadTemplate): ServiceObject | undefined {
  const podLabels = template.deployment.spec.template.metadata?.labels ?? {};
  return objects
    .filter((s) => s.object.kind === 'Service' && s.object.apiVersion === 'v1')
    .map((s) => s.object as unknown as ServiceObject)
    .find((svc) => svc.spec?.selector !== undefined && selectorMatches({ matchLabels: svc.spec.selector }, podLabels));
}

const flow = (value: unknown) => JSON.stringify(value);
/** A YAML line with its comment in the column the starter config uses. */
const note = (code: string, comment: string) => `${code.padEnd(39)} # ${comment}`;

export function configFromManifest(objects: readonly SourcedObject[], files: string, options: InitFromOptions): string {
  const namespace = objects.find((s) => s.object.kind === 'Deployment' && (options.deployment === undefined || s.object.metadata.name === options.deployment))?.object.metadata.namespace ?? 'default';
  const template = templateFromManifests(objects, files, { configFile: 'shipline init --from', deployment: options.deployment, container: options.container, namespace, routeLabels: {} });
  const deployment = template.deployment;
  const containers = deployment.spec.template.spec.containers;
  const container = containers.find((c) => c.name === template.container)!;
  const service = serviceOf(objects, template);
  const serviceName = service?.metadata.name ?? deployment.metadata.name;
  const port = service?.spec?.ports?.[0]?.port ?? container.ports?.[0]?.containerPort ?? 8080;
  const selector = service?.spec?.selector ?? deployment.spec.selector.matchLabels ?? {};
  const defaultSelector = Object.keys(selector).length === 1 && selector.app === serviceName;
  const probePath = container.readinessProbe?.httpGet?.path;
  const lines = [
    '# yaml-language-server: $schema=./schema/shipline.schema.json',
    `# shipline.yaml for ${options.manifestPath} (Deployment ${deployment.metadata.name}); see \`shipline init\` for every field.`,
    '',
    'image:',
    note(`  repository: ${imageRepository(String(container.image))}`, `where the image is pushed (no tag); from the ${template.container} container's image`),
    note('  dockerfile: Dockerfile', 'relative to this file'),
    '  context: .',
    '  platforms: [linux/amd64, linux/arm64]',
    note('  tag: date', 'date, semver (from the git tag), or a literal'),
    '',
    'cluster:',
    `  namespace: ${namespace}`,
    '',
    'routing:',
    note(`  name: ${serviceName}`, 'the VirtualService / HTTPRoute'),
    `  namespace: ${namespace}`,
    note(`  hosts: [${serviceName}.example.com]`, 'the host names clients use: change them'),
    note('  gateways: []', 'e.g. [my-gateway]; none: mesh routing'),
    note(`  service: ${serviceName}`, service ? `the Service in ${files}` : `no Service in ${files} selects the pods: add one`),
    `  port: ${port}`,
    ...(defaultSelector ? [] : [note(`  selector: ${flow(selector)}`, "the labels the route finds the service's pods by")]),
    '  rules:',
    `    - to: [{ service: ${serviceName} }]`,
    '',
    'rollout:',
    note('  strategy: canary', 'canary | mirror | header | subset'),
    '  steps: [10, 25, 50, 100]',
    '  pause: 30s',
    '  workload:',
    note(`    manifests: [${flow(options.manifestPath)}]`, `each version is ${deployment.metadata.name}-<version>: only image and labels changed`),
    ...(options.deployment !== undefined || objects.filter((s) => s.object.kind === 'Deployment').length > 1 ? [note(`    deployment: ${deployment.metadata.name}`, 'the service\'s Deployment')] : [note(`    # deployment: ${deployment.metadata.name}`, 'the only Deployment, taken by default')]),
    ...(containers.length > 1 || options.container !== undefined ? [note(`    container: ${template.container}`, 'whose image each version replaces')] : [note(`    # container: ${template.container}`, 'the first container, taken by default')]),
    '  gates:',
    probePath ? note(`    http: { path: ${flow(probePath)}, timeout: 5s }`, "the readiness probe's path, probed on each pod of the new version") : note('    # http: { path: /healthz, timeout: 5s }', 'probed on each pod of the new version'),
    '',
  ];
  return lines.join('\n');
}
