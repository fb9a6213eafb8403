// A release report as one self-contained HTML page: styles, uPlot, the page's script and the
// report's data inline, nothing fetched when it opens. Pure: the chart library comes in as text.
import type { Check, VersionEvidence } from '../rollout/analysis-verdict.js';
import { formatSeconds } from '../rollout/analysis-verdict.js';
import type { ChartAssets } from './assets.js';
import type { ReleaseReport } from './data.js';
import { pageScript } from './page-script.js';

function esc(text: string | number | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON inside <script>: nothing in it can close the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function duration(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function table(head: string[], rows: string[][], rowClass: (i: number) => string = () => ''): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const tr = rows.map((r, i) => `<tr${rowClass(i) ? ` class="${rowClass(i)}"` : ''}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table></div>`;
}

function versionNumbers(v: VersionEvidence | undefined): string {
  if (!v) return '';
  const rate = v.successRate === undefined ? '-' : `${Number(v.successRate.toFixed(2))}%`;
  const p99 = v.p99 === undefined ? '-' : formatSeconds(v.p99);
  return `<b>${esc(v.subset)}</b>: ${esc(v.requests)} requests, ${esc(v.errors)} 5xx, ${esc(rate)} success, p99 ${esc(p99)}`;
}

function checksSection(report: ReleaseReport): string {
  const checks: Check[] = report.release.checks ?? [];
  if (checks.length === 0) return '<p class="note">No metric gate checks were recorded for this release.</p>';
  const rows = checks.map((c) => {
    const e = c.evidence;
    const test = e?.test ? (e.test.kind === 'sprt' ? `SPRT log LR ${e.test.logLikelihoodRatio.toFixed(2)} / threshold ${e.test.threshold.toFixed(2)}` : `Mann-Whitney p ${e.test.pValue.toPrecision(3)} (α ${e.test.alpha})`) : '';
    return [
      esc(c.gate),
      esc(e?.step ?? ''),
      `<span class="outcome ${esc(c.outcome)}">${esc(c.outcome)}${c.dryRun ? ' (dry run)' : ''}</span>`,
      esc(c.detail),
      [versionNumbers(e?.newVersion), versionNumbers(e?.stable)].filter(Boolean).join('<br>'),
      [esc(e?.tolerance), esc(test), e ? `at ${esc(e.at)} after ${esc(e.seconds.toFixed(1))} s` : ''].filter(Boolean).join('<br>'),
    ];
  });
  const omitted = report.release.checksOmitted ? `<p class="note">${esc(report.release.checksOmitted)} earlier checks were left out of the record to keep it small.</p>` : '';
  return table(['gate', 'step', 'outcome', 'detail', 'evidence', 'test and tolerance'], rows, (i) => `check ${checks[i]!.outcome}`) + omitted;
}

function stepsTable(report: ReleaseReport): string {
  const rows = report.timeline.map((p, i) => {
    const next = report.timeline[i + 1]?.at;
    const weights = report.versions.map((v) => `${esc(v)} ${esc(p.weights[v])}%`).join(', ');
    const held = next === undefined ? (report.release.state === 'progressing' ? 'current' : 'final') : duration((next - p.at) * 1000);
    return [esc(i + 1), esc(p.label), esc(new Date(p.at * 1000).toISOString()), weights, esc(held)];
  });
  return table(['#', 'step', 'route accepted (UTC)', 'weights', 'held for'], rows);
}

function buildSection(report: ReleaseReport): string {
  const p = report.release.provenance;
  const facts: [string, string | undefined][] = [
    ['image', report.release.image],
    ['tag', p?.tag],
    ['git revision', p?.gitRevision],
    ['strategy', report.release.strategy],
  ];
  const dl = facts.filter(([, v]) => v).map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(v)}</code></dd>`).join('');
  const platforms = p?.platforms?.length ? table(['platform', 'digest'], p.platforms.map((x) => [esc(x.platform), `<code>${esc(x.digest)}</code>`])) : '<p class="note">No build recorded with this release (its image was built before, or it was rolled out without `shipline release`).</p>';
  return `<dl>${dl}</dl>${platforms}`;
}

function verdict(report: ReleaseReport): string {
  const r = report.release;
  const why = r.note ?? (r.state === 'promoted' ? `${r.subset} serves all traffic` : '');
  return `<div class="verdict ${esc(r.state)}"><b>${esc(r.state)}</b>${why ? `: ${esc(why)}` : ''}</div>`;
}

const styles = `
:root { color-scheme: light; font-family: system-ui, sans-serif; color: #0f172a; }
body { margin: 0 auto; max-width: 1200px; padding: 16px; line-height: 1.4; }
h1 { font-size: 1.4rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 24px 0 8px; border-bottom: 1px solid #e2e8f0; }
.sub { color: #475569; overflow-wrap: anywhere; }
.verdict { margin: 12px 0; padding: 10px 12px; border-radius: 6px; overflow-wrap: anywhere; }
.verdict.promoted { background: #dcfce7; } .verdict.aborted, .verdict.failed { background: #fee2e2; } .verdict.progressing { background: #fef9c3; }
.chart { width: 100%; min-height: 60px; margin-bottom: 8px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 12px; }
.charts h3 { font-size: 0.95rem; margin: 8px 0 2px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; min-width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #e2e8f0; }
tr.check.fail { background: #fef2f2; } tr.check.inconclusive { background: #fefce8; }
.outcome.pass { color: #15803d; font-weight: 600; } .outcome.fail { color: #b91c1c; font-weight: 600; } .outcome.inconclusive { color: #a16207; font-weight: 600; }
.note { color: #475569; font-style: italic; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; } dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f8fafc; padding: 8px; overflow-x: auto; font-size: 0.8rem; }
code { overflow-wrap: anywhere; }
`;

export function renderHtml(report: ReleaseReport, assets: ChartAssets): string {
  const r = report.release;
  const title = `${r.route} r${r.revision}: ${r.subset} ${r.state}`;
  const metrics = report.metrics
    ? `<p class="sub">From ${esc(report.metrics.prometheus)} (${esc(report.metrics.provider)} metrics), one sample every ${esc(report.metrics.stepSeconds)} s over ${esc(report.metrics.window)}.</p>
<div class="charts"><div><h3>Requests per second</h3><div id="chart-requestRate" class="chart"></div></div><div><h3>Success rate (non-5xx)</h3><div id="chart-successRate" class="chart"></div></div><div><h3>p99 answer time</h3><div id="chart-p99" class="chart"></div></div></div>`
    : `<p class="note" id="metrics-note">${esc(report.metricsNote)}</p>`;
  const phases = table(['phase', 'took'], Object.entries(report.phases).map(([name, ms]) => [esc(name), esc(duration(ms))]));
  const diff = r.provenance?.diff ? `<details><summary>Server diff before the rollout</summary><pre>${esc(r.provenance.diff)}</pre></details>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${assets.css}</style><style>${styles}</style></head>
<body>
<h1>Release r${esc(r.revision)} of ${esc(r.route)}: ${esc(r.subset)}</h1>
<p class="sub">${esc(report.namespace)}/${esc(r.route)}, ${esc(r.strategy)} from ${esc(r.previous ?? '(none)')}, ${esc(r.createdAt)} to ${esc(r.updatedAt)}</p>
${verdict(report)}
<h2>Traffic weights</h2>
${report.timeline.length > 0 ? `<div id="chart-weights" class="chart"></div>${stepsTable(report)}` : `<p class="note">${esc(report.timelineNote)}</p>`}
<h2>Traffic per version</h2>
${metrics}
<h2>Gate checks</h2>
${checksSection(report)}
<h2>Build</h2>
${buildSection(report)}
<h2>Phases</h2>
${phases}
<h2>Manifests</h2>
<details><summary>Manifests the release applied last</summary><pre>${esc(report.manifests)}</pre></details>
${diff}
<p class="note">Made by shipline at ${esc(report.generatedAt)}.</p>
<script id="report-data" type="application/json">${scriptJson(report)}</script>
<script>${assets.js.replace(/<\/script/gi, '<\\/script')}</script>
<script>${pageScript}</script>
</body></html>
`;
}
