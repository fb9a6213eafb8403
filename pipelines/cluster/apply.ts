// Server-side apply of many objects, all-or-nothing as far as the API allows: every
// object is resolved and dry-run first; only then is anything changed.
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApiError, type KubeClient, type KubeObject } from '../adapters/kube.js';
import { ContextError, ExternalError, InputError, PreconditionError, ShiplineError } from '../errors.js';
import { objectDiff, sameContent } from './diff.js';
import { describeObject, type SourcedObject } from './documents.js';
import { unknownKind } from './unknown-kind.js';
import { mapLimit } from '../pool.js';

export interface ApplyOptions {
  fieldManager: string;
  namespace: string;
  /**
   * Take over fields other managers own: every object, or only those the function picks
   * (e.g. the one route shipline declares as its own).
   */
  force?: boolean | ((object: KubeObject) => boolean);
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
  /** Dry-run only: the server could not check it before its Namespace or CRD (of the same batch) exists. */
  unchecked?: string;
  /** The object as sent (its namespace resolved), and the live object before the apply. */
  target?: KubeObject;
  before?: KubeObject;
}

/** Namespaces and CRDs go first so that what they define exists for the rest. */
const firstKinds = ['Namespace', 'CustomResourceDefinition'];
const isFirst = (s: SourcedObject) => firstKinds.includes(s.object.kind);

function conflictMessage(s: SourcedObject, error: KubeApiError): string {
  const fields = error.causes.filter((c) => c.reason === 'FieldManagerConflict');
  const lines = fields.map((c) => `  ${c.field ?? '?'}: ${c.message ?? 'conflict'}`);
  return `${describeObject(s)}: fields owned by another manager:\n${lines.join('\n')}`;
}

const forced = (options: ApplyOptions, object: KubeObject): boolean =>
  typeof options.force === 'function' ? options.force(object) : options.force === true;

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

/** Objects resolved and dry-run on the server, not yet changed. */
interface Checked {
  objects: SourcedObject[];
  targets: KubeObject[];
  previews: KubeObject[];
  lives: (KubeObject | undefined)[];
}

/** Resolves and dry-runs every object; throws (changing nothing) when the server refuses any. */
async function dryRun(client: KubeClient, objects: SourcedObject[], options: ApplyOptions): Promise<Checked> {
  // Every group version's discovery at once (resolving then awaits the same requests): not
  // one round trip after another as the objects of each kind come up in turn.
  for (const apiVersion of new Set(objects.map((s) => s.object.apiVersion))) void client.resourcesOf(apiVersion).catch(() => undefined);
  const targets = await mapLimit(objects, parallel, (s) => target(client, s, options.namespace));

  const problems: string[] = [];
  const previews = await mapLimit(objects, parallel, async (s, i) => {
    try {
      return await client.applyResult(targets[i]!, { fieldManager: options.fieldManager, force: forced(options, targets[i]!), dryRun: true });
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
  // The live objects tell created from configured; the dry-run's 201 already says which do not exist.
  const lives = await mapLimit(objects, parallel, async (_s, i): Promise<KubeObject | undefined> => (previews[i]!.created ? undefined : client.get(targets[i]!)));
  return { objects, targets, previews: previews.map((p) => p!.object), lives };
}

const labelOf = (t: KubeObject) => `${t.kind}/${t.metadata.namespace ? `${t.metadata.namespace}/` : ''}${t.metadata.name}`;

/** Applies checked objects for real (or only reports them, in a dry-run). */
async function commit(client: KubeClient, checked: Checked, options: ApplyOptions): Promise<ApplyOutcome[]> {
  return mapLimit(checked.objects, parallel, async (s, i): Promise<ApplyOutcome> => {
    const target = checked.targets[i]!;
    const preview = checked.previews[i]!;
    const applied = options.dryRun ? preview : await client.apply(target, { fieldManager: options.fieldManager, force: forced(options, target) });
    const before = checked.lives[i];
    const action: ApplyAction = !before ? 'created' : sameContent(before, applied) ? 'unchanged' : 'configured';
    if (!options.dryRun && s.object.kind === 'CustomResourceDefinition') await waitEstablished(client, applied);
    return { object: s, namespace: target.metadata.namespace, action, diff: options.diff ? objectDiff(labelOf(target), before, preview) : undefined, target, before };
  });
}

/**
 * Every object is dry-run before the first change. Objects that need a Namespace or CRD of
 * the same batch cannot be dry-run until it exists: those are dry-run right after it is
 * created, and if the server refuses one, what this apply created is deleted again.
 */
export async function applyObjects(client: KubeClient, objects: readonly SourcedObject[], options: ApplyOptions): Promise<ApplyOutcome[]> {
  const first = objects.filter(isFirst);
  const rest = objects.filter((s) => !isFirst(s));
  const checkedFirst = await dryRun(client, first, options);
  const created = new Set(checkedFirst.objects.filter((_s, i) => !checkedFirst.lives[i] && checkedFirst.objects[i]!.object.kind === 'Namespace').map((s) => s.object.metadata.name));
  const defined = definedKinds(first);
  const served = first.length > 0 ? await filterServed(client, rest) : rest;
  const pending = rest.filter((s) =>
    created.has(s.object.metadata.namespace ?? options.namespace) || (!served.includes(s) && defined.has(`${s.object.apiVersion} ${s.object.kind}`)),
  );
  // Kinds nobody defines stay here: resolving them fails with the unknown-kind error.
  const checkable = rest.filter((s) => !pending.includes(s));
  const checkedRest = await dryRun(client, checkable, options);
  if (options.dryRun) {
    // What this batch's own CRDs and new namespaces hold cannot be checked without creating them.
    const uncheckable = pending.map((s): ApplyOutcome => {
      const namespace = s.object.metadata.namespace ?? options.namespace;
      const why = created.has(namespace) ? `Namespace ${namespace} is created by this apply` : `${s.object.kind} is defined by a CRD of this apply`;
      const label = `${s.object.kind}/${s.object.metadata.name}`;
      return { object: s, action: 'created', unchecked: why, diff: options.diff ? objectDiff(label, undefined, s.object) : undefined };
    });
    return [...(await commit(client, checkedFirst, options)), ...(await commit(client, checkedRest, options)), ...uncheckable];
  }
  const outcomes = await commit(client, checkedFirst, options);
  if (pending.length > 0) {
    client.forgetDiscovery();
    try {
      await waitServed(client, pending.filter((p) => defined.has(`${p.object.apiVersion} ${p.object.kind}`)));
      const checkedPending = await dryRun(client, pending, options);
      checkedRest.objects.push(...checkedPending.objects);
      checkedRest.targets.push(...checkedPending.targets);
      checkedRest.previews.push(...checkedPending.previews);
      checkedRest.lives.push(...checkedPending.lives);
    } catch (error) {
      await undoCreated(client, checkedFirst, outcomes);
      const changed = outcomes.filter((o) => o.action === 'configured').map((o) => describeObject(o.object));
      if (changed.length > 0 && error instanceof ShiplineError) {
        // Say so: these were changed before the refusal, and a change is not undone blindly.
        throw new ContextError(`${error.message.replace('nothing was changed', 'only what is named below was changed')}\nchanged before the refusal: ${changed.join(', ')}`, error, { hint: error.hint });
      }
      throw error;
    }
  }
  outcomes.push(...(await commit(client, checkedRest, options)));
  return outcomes;
}

/** Waits (15 s at most) until discovery serves the kinds the batch's new CRDs define. */
async function waitServed(client: KubeClient, objects: readonly SourcedObject[]): Promise<void> {
  for (const s of objects) {
    for (let i = 0; !(await client.resourceFor(s.object.apiVersion, s.object.kind)); i++) {
      if (i >= 150) return; // resolving it next reports the unknown kind
      client.forgetDiscovery();
      await sleep(100);
    }
  }
}

/** Deletes the objects an apply created (not those it only changed), newest first. */
async function undoCreated(client: KubeClient, checked: Checked, outcomes: readonly ApplyOutcome[]): Promise<void> {
  for (const [i, o] of [...outcomes.entries()].reverse()) {
    if (o.action === 'created') await client.delete(checked.targets[i]!).catch(() => undefined);
  }
  client.forgetDiscovery();
}

/** "apiVersion kind" of every kind the batch's CRDs define. */
function definedKinds(first: readonly SourcedObject[]): Set<string> {
  const kinds = new Set<string>();
  for (const { object } of first) {
    if (object.kind !== 'CustomResourceDefinition') continue;
    const spec = object.spec as { group?: string; names?: { kind?: string }; versions?: { name: string }[] } | undefined;
    for (const v of spec?.versions ?? []) kinds.add(`${spec?.group}/${v.name} ${spec?.names?.kind}`);
  }
  return kinds;
}

async function filterServed(client: KubeClient, objects: SourcedObject[]): Promise<SourcedObject[]> {
  const served: SourcedObject[] = [];
  for (const s of objects) if (await client.resourceFor(s.object.apiVersion, s.object.kind)) served.push(s);
  return served;
}

export interface DeleteOutcome {
  object: SourcedObject;
  /** The namespace it was deleted from (undefined for cluster-scoped objects). */
  namespace?: string;
  action: 'deleted' | 'not found';
}

/**
 * Deletes in reverse order with foreground propagation (as `kubectl delete --cascade=foreground`):
 * an object goes only after its dependents (a Deployment's ReplicaSets and Pods) are gone;
 * waits until every object is gone.
 */
export async function deleteObjects(
  client: KubeClient,
  objects: readonly SourcedObject[],
  options: { namespace: string; timeoutMs?: number },
): Promise<DeleteOutcome[]> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new InputError(`delete timeout ${timeoutMs} ms: must be a positive number`);
  const targets: [SourcedObject, KubeObject][] = [];
  for (const s of [...objects].reverse()) targets.push([s, await target(client, s, options.namespace)]);
  const outcomes: DeleteOutcome[] = [];
  for (const [s, t] of targets) outcomes.push({ object: s, namespace: t.metadata.namespace, action: (await client.delete(t, { propagationPolicy: 'Foreground' })) ? 'deleted' : 'not found' });
  const deadline = Date.now() + timeoutMs;
  for (const [s, t] of targets) {
    for (;;) {
      const live = await client.get<KubeObject & { metadata: { finalizers?: string[] } }>(t);
      if (!live) break;
      if (Date.now() > deadline) {
        const finalizers = live.metadata.finalizers?.length ? ` (finalizers: ${live.metadata.finalizers.join(', ')})` : '';
        throw new ExternalError(`${describeObject(s)} is still there ${timeoutMs / 1000}s after the delete${finalizers}`, {
          hint: 'its dependents (pods) may still be terminating; wait longer with --timeout, or look at them with `kubectl get pods`',
        });
      }
      await sleep(200);
    }
  }
  return outcomes;
}

export interface FieldConflict {
  /** The field path as the API server names it, e.g. .spec.rules */
  field: string;
  /** The field manager that owns it, e.g. kubectl-client-side-apply */
  manager: string;
}

/**
 * The fields of a live object another manager owns and an apply of `object` would change:
 * a server-side dry-run without force, read from its 409 answer. None when the object does
 * not exist yet or the apply would not conflict.
 */
export async function fieldConflicts(client: KubeClient, object: KubeObject, fieldManager: string): Promise<FieldConflict[]> {
  try {
    await client.apply(object, { fieldManager, dryRun: true });
    return [];
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status !== 409) throw error;
    return error.causes
      .filter((c) => c.reason === 'FieldManagerConflict')
      .map((c) => ({ field: c.field ?? '?', manager: /conflict with "([^"]+)"/.exec(c.message ?? '')?.[1] ?? c.message ?? '?' }));
  }
}
