// lint's offline checks before `apply` (every mode, --dry-run=client included) and `diff`
// send anything: routing objects lint rejects are refused here (exit 2), with each
// finding and its fix, before the cluster is contacted. Warnings (API versions only
// earlier releases serve) are printed; the cluster has the last word on those.
import { InputError } from '../../pipelines/errors.js';
import type { InputFile } from '../../pipelines/input-files.js';
import type { SourcedObject } from '../../pipelines/cluster/documents.js';
import { routingGroups } from '../../manifests/crd-schemas.js';
import { progress } from '../../pipelines/verbosity.js';
import { loadLintEngine } from './lint-engine.js';

const routing = (s: SourcedObject) => routingGroups.some((group) => s.object.apiVersion.startsWith(`${group}/`));

/** Throws an InputError naming every lint error of the routing objects; nothing is sent. */
export async function lintBeforeSending(command: string, files: readonly InputFile[], objects: readonly SourcedObject[]): Promise<void> {
  // Only files with routing objects load the CRD schemas.
  const withRouting = new Set(objects.filter(routing).map((s) => s.file));
  if (withRouting.size === 0) return;
  const { formatFindingAt, lintDocuments, saveCompiledCode } = await loadLintEngine();
  // The objects as read already: lint does not parse the files a second time.
  const docs = objects
    .filter((s) => withRouting.has(s.file))
    .map((s) => ({ file: s.file, doc: s.doc, item: s.item, object: `${s.object.kind}/${s.object.metadata.name}`, value: s.object as unknown as Record<string, unknown> }));
  const result = lintDocuments(files.filter((f) => withRouting.has(f.file)), docs);
  saveCompiledCode();
  for (const warning of result.findings.filter((f) => f.severity === 'warning')) progress(`${formatFindingAt(warning)}\n  fix: ${warning.fix}`);
  const errors = result.findings.filter((f) => f.severity === 'error');
  if (errors.length === 0) return;
  const lines = errors.map((f) => `${formatFindingAt(f)}\n  fix: ${f.fix}`);
  throw new InputError(`${command}: lint finds ${errors.length === 1 ? '1 error' : `${errors.length} errors`} in the routing objects; nothing was sent:\n${lines.join('\n')}`, {
    hint: 'change each field as its fix line says (shipline lint -f FILE checks again offline)',
  });
}
