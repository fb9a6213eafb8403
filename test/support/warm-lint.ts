// Loads every shipped CRD schema, its validator and its CEL rules once, so that a cold
// cache (a fresh machine, CI) costs one long beforeAll instead of one slow test.
import { compileRules } from '../../manifests/crd-cel.js';
import { kindsOf, routingGroups, versionsOf } from '../../manifests/crd-schemas.js';
import { validatorFor } from '../../manifests/crd-validator.js';

export const warmLintTimeout = 300_000;

export function warmLint(): void {
  for (const group of routingGroups) {
    for (const kind of kindsOf(group)) {
      for (const schema of versionsOf(group, kind)!.values()) {
        validatorFor(schema);
        compileRules(schema);
      }
    }
  }
}
