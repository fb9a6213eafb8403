// `release --report FILE`: the report of the release just made, written whether its gates
// promoted or aborted it (an aborted release is the one a reviewer most wants to see).
import { makeReport } from '../report/make.js';
import { reportText } from '../report/output.js';
import { writeReportFile } from '../report/write.js';
import type { ReleaseState } from './context.js';

/** The API version of shipline's machine-readable documents (as the CLI prints them). */
const apiVersion = 'shipline.dev/v1';

export async function writeReleaseReport(state: ReleaseState, path: string): Promise<void> {
  const ctx = state.rollout!;
  const report = await makeReport(ctx, { revision: state.rolloutResult?.revision, apiVersion, phases: { ...state.timings } });
  const bytes = writeReportFile(path, reportText(report, 'html'));
  state.report = { path, size: bytes, revision: report.release.revision };
}
