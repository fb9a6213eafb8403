// What `check`, `apply`, `delete` and `diff` report, in every -o format: the documents
// RoutingCheck, ApplyResult, DeleteResult and DiffResult (schema/output/), text, names.
import type { ApplyOutcome, DeleteOutcome } from '../../pipelines/cluster/apply.js';
import { describeObject, kubectlName, type SourcedObject } from '../../pipelines/cluster/documents.js';
import { statusWord } from '../command-kit/colour.js';
import type { Report } from '../command-kit/output-format.js';

/** One object of the files, as the result documents list it. */
function item(s: SourcedObject, namespace: string | undefined) {
  const { apiVersion, kind, metadata } = s.object;
  return { apiVersion, kind, name: metadata.name, namespace, file: s.file, document: s.doc };
}

export function applyReport(outcomes: readonly ApplyOutcome[], dryRun: boolean): Report<object> {
  return {
    kind: 'ApplyResult',
    data: {
      dryRun,
      items: outcomes.map((o) => ({ ...item(o.object, o.namespace), action: o.action, unchecked: o.unchecked, diff: o.diff || undefined })),
    },
    text: () =>
      outcomes
        .flatMap((o) => [
          ...(o.diff ? [o.diff.trimEnd()] : []),
          `${describeObject(o.object)} ${statusWord(o.action)}${dryRun ? ` (server dry run${o.unchecked ? `; not checked: ${o.unchecked}` : ''})` : ''}`,
        ])
        .join('\n'),
    names: () => outcomes.map((o) => kubectlName(o.object.object)),
  };
}

/** `apply --dry-run=client`: every object read and checked here, none sent. */
export function clientApplyReport(objects: readonly SourcedObject[]): Report<object> {
  return {
    kind: 'ApplyResult',
    data: { dryRun: true, items: objects.map((s) => ({ ...item(s, s.object.metadata.namespace), action: 'checked' })) },
    text: () => objects.map((s) => `${describeObject(s)} (client dry run: checked here, not sent)`).join('\n'),
    names: () => objects.map((s) => kubectlName(s.object)),
  };
}

export function deleteReport(outcomes: readonly DeleteOutcome[]): Report<object> {
  return {
    kind: 'DeleteResult',
    data: { items: outcomes.map((o) => ({ ...item(o.object, o.namespace), action: o.action })) },
    text: () => outcomes.map((o) => `${describeObject(o.object)} ${statusWord(o.action)}`).join('\n'),
    names: () => outcomes.filter((o) => o.action === 'deleted').map((o) => kubectlName(o.object.object)),
  };
}

/** `diff`: every object with what would happen to it; names and text only for those that would change. */
export function diffReport(outcomes: readonly ApplyOutcome[]): Report<object> {
  const changed = outcomes.filter((o) => o.diff);
  return {
    kind: 'DiffResult',
    data: {
      changed: changed.length > 0,
      items: outcomes.map((o) => ({ ...item(o.object, o.namespace), action: o.action, diff: o.diff || undefined })),
    },
    text: () => changed.map((o) => o.diff!.trimEnd()).join('\n'),
    names: () => changed.map((o) => kubectlName(o.object.object)),
  };
}

export function checkReport(data: { implementation: { gatewayClasses: { name: string }[]; gateways: { name: string; namespace: string }[] } } & object, text: () => string): Report<object> {
  return {
    kind: 'RoutingCheck',
    data,
    text,
    names: () => [
      ...data.implementation.gatewayClasses.map((c) => `gatewayclass.gateway.networking.k8s.io/${c.name}`),
      ...data.implementation.gateways.map((g) => `gateway.gateway.networking.k8s.io/${g.name}`),
    ],
  };
}
