// A first release that fails before it took over leaves nothing half-done: what it created
// is deleted, the declared route is put back as it was, and the error says exactly what was
// changed, what was undone, and what was kept.
import type { KubeObject } from '../adapters/kube.js';
import { ContextError, ExternalError, ShiplineError } from '../errors.js';
import type { Change, RolloutContext } from './context.js';
import { isDeclaredRoute } from './takeover.js';

const label = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The object as it was, ready to be written back over the live one (resourceVersion of the live one). */
function restorable(before: KubeObject, live: KubeObject): KubeObject {
  const { resourceVersion: _old, generation: _generation, ...metadata } = before.metadata;
  const { status: _status, ...rest } = before as KubeObject & { status?: unknown };
  return { ...rest, metadata: { ...metadata, resourceVersion: live.metadata.resourceVersion } };
}

async function undoOne(ctx: RolloutContext, change: Change): Promise<string | undefined> {
  const { object } = change;
  if (change.action === 'created') {
    await ctx.client.delete(object, { propagationPolicy: 'Background' });
    return `${label(object)} (created, deleted again)`;
  }
  if (!isDeclaredRoute(ctx, object) || !change.before) return undefined;
  const live = await ctx.client.get(object);
  if (!live) return undefined;
  await ctx.client.request('PUT', await ctx.client.objectPath(object), { body: restorable(change.before, live), query: { fieldManager: `${ctx.fieldManager}-undo` } });
  return `${label(object)} (changed, put back as it was)`;
}

export interface UndoReport {
  undone: string[];
  kept: string[];
  failed: string[];
}

/** Undoes the changes, newest first: the route goes back before its backends go. */
export async function undoChanges(ctx: RolloutContext, changes: readonly Change[]): Promise<UndoReport> {
  const report: UndoReport = { undone: [], kept: [], failed: [] };
  for (const change of [...changes].reverse()) {
    try {
      const done = await undoOne(ctx, change);
      if (done) report.undone.unshift(done);
      else report.kept.unshift(`${label(change.object)} (configured, kept)`);
    } catch (error) {
      report.failed.unshift(`${label(change.object)}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return report;
}

/** The error of a failed first release, rewritten to say what changed and what was undone. */
export function undoneError(error: unknown, report: UndoReport, serving: string): ShiplineError {
  const original = error instanceof ShiplineError ? error : new ExternalError((error as Error).message);
  const changed = report.undone.length + report.kept.length + report.failed.length > 0;
  // The refusal of one step may say "nothing was changed" of itself: the release as a whole says here what it changed.
  const lines = [original.message.replace(/[;,] nothing was changed/g, '').trimEnd()];
  if (report.undone.length > 0) lines.push(`undone: ${report.undone.join(', ')}`);
  if (report.kept.length > 0) lines.push(`changed and kept: ${report.kept.join(', ')}`);
  if (report.failed.length > 0) lines.push(`changed, and could not be undone: ${report.failed.join(', ')}`);
  if (!changed) lines.push('nothing was changed');
  lines.push(serving);
  return new ContextError(lines.join('\n'), original, { hint: original.hint });
}
