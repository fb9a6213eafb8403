// A release of the embedded default (the sample service) targets the local stack: it
// brings the stack up first, exactly as `npm test` does. A user's own config never
// starts it.
import { embeddedName } from '../config/load.js';
import { paths } from '../stack/layout.js';
import { stackStatus, stackUp } from '../stack/stack.js';
import type { ReleaseState } from './context.js';
import type { Report } from './steps.js';

/** The embedded default with no --kubeconfig targets the local stack's cluster; says whether it does. */
export function onLocalStack(state: ReleaseState): boolean {
  if (state.loaded?.file !== embeddedName || state.options.kubeconfig) return false;
  state.options.kubeconfig = paths.kubeconfig();
  return true;
}

export async function localStack(state: ReleaseState, report: Report): Promise<void> {
  const status = await stackStatus();
  const down = status.parts.filter((p) => !p.up).map((p) => p.name);
  if (down.length === 0) {
    report('every part is up');
    return;
  }
  report(`starting ${down.join(', ')}`);
  await stackUp(report);
  state.done.push('local stack started');
}
