// A release report as the text of a file: the self-contained HTML page, or its data as JSON.
import { chartAssets } from './assets.js';
import type { ReleaseReport } from './data.js';
import { renderHtml } from './html.js';

export function reportText(report: ReleaseReport, format: 'html' | 'json'): string {
  return format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderHtml(report, chartAssets());
}
