// Server-side apply of many objects, all-or-nothing as far as the API allows: every
// object is resolved and dry-run first; only then is anything changed.
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApiError, type KubeClient, type KubeObject } from '../adapters/kube.js';
import { ExternalError, InputError, PreconditionError } from '../errors.js';
import { objectDiff, sameContent } from './diff.js';
import { describeObject, type SourcedObject } from './documents.js';
import { unknownKind } from './unknown-kind.js';
import { mapLimit } from '../pool.js';

export interface ApplyOptions {
  fieldManager: string;
  namespace: string;
  force?: boolean;
  /** Server-side dry-run only. */
  dryRun?: boolean;
  diff?: boolean;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyOutcome {
  object: SourcedObject;
  /** The namespace it went to (undefined for cluster-scoped objects). */
  namespace?: string;
  action: ApplyAction;
  diff?: string;
}

/** Namespaces and CRDs go first so that what they define exists for the rest. */
const firstKinds = ['Namespace', 'CustomResourceDefinition'];
const isFirst = (s: SourcedObject) => firstKinds.includes(s.object.kind);

function conflictMessage(s: SourcedObject, error: KubeApiError): string {
  const fields = error.causes.filter((c) => c.reason === 'FieldManagerConflict');
  const lines = fields.map((c) => `  ${c.field ?? '?'}: ${c.message ?? 'conflict'}`);
  return `${describeObject(s)}: fields owned by another manager:\n${lines.join('\n')}`;
}

/** Sets metadata.namespace the way the resource's scope wants it; fails on unknown kinds. */
async function target(client: KubeClient, s: SourcedObject, namespace: string): Promise<KubeObject> {
  const resource = await client.resourceFor(s.object.apiVersion, s.object.kind);
  if (!resource) throw await unknownKind(client, s);
  const { namespace: own, ...metadata } = s.object.metadata;
  return { ...s.object, metadata: resource.namespaced ? { ...metadata, namespace: own ?? namespace } : metadata };
}

async function waitEstablished(client: KubeClient, crd: KubeObject): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const live = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(crd);
    if (live?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await sleep(100);
  }
  throw new ExternalError(`CustomResourceDefinition ${crd.metadata.name} did not become established within 15s`);
}

/** Requests in flight at once; the API server's default max-in-flight is far above. */
const parallel = 16;

async function applyPhase(client: KubeClient, objects: SourcedObject[], options: ApplyOptions): Promise<ApplyOutcome[]> {
  const targets = await mapLimit(objects, parallel, (s) => target(client, s, options.namespace));

  const problems: string[] = [];
  // The live objects are read alongside the dry-runs: they tell created from configured.
  const lives = mapLimit(objects, parallel, (_s, i) => client.get(targets[i]!));
  lives.catch(() => undefined); // awaited below, unless a dry-run already failed
  const previews = await mapLimit(objects, parallel, async (s, i) => {
    try {
      return await client.apply(targets[i]!, { fieldManager: options.fieldManager, force: options.force, dryRun: true });
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) problems.push(conflictMessage(s, error));
      else if (error instanceof KubeApiError) problems.push(`${describeObject(s)}: ${error.message.replace(/^PATCH \S+: /, '')}`);
      else throw error;
      return undefined;
    }
  });
  if (problems.length > 0) {
    const conflicts = problems.some((p) => p.includes('owned by another manager'));
    const message = `the API server refused ${problems.length} of ${objects.length} objects; nothing was changed:\n${problems.join('\n')}`;
    // Conflicts are a state of the cluster (exit 3); anything else is the objects' fault (exit 2).
    if (conflicts) throw new PreconditionError(message, { hint: 'take the fields over with --force-conflicts, or leave them to their manager' });
    throw new InputError(message, { hint: 'fix the fields named above' });
  }

  const live = await lives;
  return mapLimit(objects, parallel, async (s, i): Promise<ApplyOutcome> => {
    const preview = previews[i]!;
    const applied = options.dryRun ? preview : await client.apply(targets[i]!, { fieldManager: options.fieldManager, force: options.force });
    const before = live[i];
    const action: ApplyAction = !before ? 'created' : sameContent(before, applied) ? 'unchanged' : 'configured';
    const label = `${s.object.kind}/${targets[i]!.metadata.namespace ? `${targets[i]!.metadata.namespace}/` : ''}${s.object.metadata.name}`;
    if (!options.dryRun && s.object.kind === 'CustomResourceDefinition') await waitEstablished(client, applied);
    return { object: s, namespace: targets[i]!.metadata.namespace, action, diff: options.diff ? objectDiff(label, before, preview) : undefined };
  });
}

export async function applyObjects(client: KubeClient, objects: readonly SourcedObject[], options: ApplyOptions): Promise<ApplyOutcome[]> {
  const first = objects.filter(isFirst);
  const rest = objects.filter((s) => !isFirst(s));
  const outcomes = await applyPhase(client, first, options);
  if (first.length > 0) client.forgetDiscovery();
  // In a dry-run, kinds that this batch's own CRDs would define, and objects in the
  // namespaces it would create, cannot be checked yet.
  const checkable = options.dryRun && first.length > 0
    ? (await filterServed(client, rest)).filter((s) => !newNamespaces(outcomes).has(s.object.metadata.namespace ?? options.namespace))
    : rest;
  outcomes.push(...(await applyPhase(client, checkable, options)));
  return outcomes;
}

function newNamespaces(outcomes: readonly ApplyOutcome[]): Set<string> {
  return new Set(outcomes.filter((o) => o.object.object.kind === 'Namespace' && o.action === 'created').map((o) => o.object.object.metadata.name));
}

async function filterServed(client: KubeClient, objects: SourcedObject[]): Promise<SourcedObject[]> {
  const served: SourcedObject[] = [];
  for (const s of objects) if (await client.resourceFor(s.object.apiVersion, s.object.kind)) served.push(s);
  return served;
}

export interface DeleteOutcome {
  object: SourcedObject;
  action: 'deleted' | 'not found';
}

/** Deletes in reverse order and waits until every object is gone. */
export async function deleteObjects(
  client: KubeClient,
  objects: readonly SourcedObject[],
  options: { namespace: string; timeoutMs?: number },
): Promise<DeleteOutcome[]> {
  const targets: [SourcedObject, KubeObject][] = [];
  for (const s of [...objects].reverse()) targets.push([s, await target(client, s, options.namespace)]);
  const outcomes: DeleteOutcome[] = [];
  for (const [s, t] of targets) outcomes.push({ object: s, action: (await client.delete(t)) ? 'deleted' : 'not found' });
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (const [s, t] of targets) {
    while (await client.get(t)) {
      if (Date.now() > deadline) throw new ExternalError(`${describeObject(s)} is still there after the delete (finalizers?)`);
      await sleep(200);
    }
  }
  return outcomes;
}
