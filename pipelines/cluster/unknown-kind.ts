// The error for an object whose kind the cluster does not serve: a typo (exit 2, with
// the served kinds it resembles) or a missing API such as an uninstalled CRD (exit 3).
import type { KubeClient } from '../adapters/kube.js';
import { InputError, PreconditionError } from '../errors.js';
import { closest } from '../model/suggest.js';
import { describeObject, type SourcedObject } from './documents.js';

export async function unknownKind(client: KubeClient, s: SourcedObject): Promise<Error> {
  const { apiVersion, kind } = s.object;
  const where = `${describeObject(s)}: the cluster does not serve ${kind} in ${apiVersion}`;
  const sameVersion = (await client.resourcesOf(apiVersion)).map((r) => r.kind);
  const near = closest(kind, sameVersion);
  if (near) return new InputError(`${where}; did you mean ${near}?`, { hint: `kinds served in ${apiVersion}: ${[...new Set(sameVersion)].sort().join(', ')}` });
  const elsewhere: string[] = [];
  for (const gv of await client.servedGroupVersions()) {
    if ((await client.resourcesOf(gv)).some((r) => r.kind === kind)) elsewhere.push(gv);
  }
  if (elsewhere.length > 0) {
    return new InputError(`${where}; it is served as ${elsewhere.map((gv) => `${gv}`).join(', ')}`, { hint: `set apiVersion: ${elsewhere[0]}` });
  }
  if (sameVersion.length > 0) {
    return new InputError(`${where}`, { hint: `kinds served in ${apiVersion}: ${[...new Set(sameVersion)].sort().join(', ')}` });
  }
  return new PreconditionError(`${where}, and nothing else in ${apiVersion} either`, {
    hint: 'install the CRD that defines it (see `shipline check`), or render for an API version the cluster serves',
  });
}
