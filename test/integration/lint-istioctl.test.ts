// Agreement with Istio's own validation: for every Istio manifest in the tests (goldens,
// the notes' fixture, lint cases, Istio-check cases), `shipline lint` and
// `istioctl validate -f` give the same verdict, except where lint is deliberately
// stricter — those cases are listed (lintStricter) and checked to be stricter, not
// silently different. istioctl is built from its Go module (cached).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatFinding, lintManifests } from '../../manifests/lint.js';
import { ensureIstioctl, istioctlValidate } from '../support/istioctl.js';
import { lintCases } from '../../scripts/bench/fixtures/lint-cases.js';
import { istioCases, lintStricter, stricterCases } from '../support/lint-istio-cases.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'shipline-lint-istioctl-'));
let istioctl: string;

interface Sample {
  name: string;
  yaml: string;
}

function samples(): Sample[] {
  const golden = join(root, 'test', 'unit', 'golden');
  const goldens = readdirSync(golden)
    .filter((f) => f.endsWith('.istio.yaml'))
    .sort()
    .map((f) => ({ name: f, yaml: readFileSync(join(golden, f), 'utf8') }));
  // The notes' fixture document by document: each is a manifest of its own.
  const notes = readFileSync(join(root, 'test', 'unit', 'fixtures', 'notes-patterns.yaml'), 'utf8');
  const notesDocs = parseAllDocuments(notes).map((d, i) => ({ name: `notes-patterns.yaml#${i + 1}`, yaml: d.toString() }));
  const istio = (c: Sample) => /apiVersion: networking\.istio\.io/.test(c.yaml);
  return [...goldens, ...notesDocs, ...lintCases.filter(istio), ...istioCases, ...stricterCases];
}

async function verdicts(sample: Sample) {
  const file = join(work, `${sample.name.replace(/[^a-z0-9.-]/gi, '_')}.yaml`);
  writeFileSync(file, sample.yaml);
  const lint = lintManifests([{ file: sample.name, text: sample.yaml }]);
  return { lint: lint.findings.length === 0, findings: lint.findings.map(formatFinding), istioctl: await istioctlValidate(istioctl, file) };
}

beforeAll(async () => {
  istioctl = await ensureIstioctl();
}, 30 * 60_000);

describe('lint agrees with istioctl validate', () => {
  it('covers goldens, the notes, and the lint and Istio-check cases', () => {
    const all = samples();
    expect(all.filter((s) => s.name.endsWith('.istio.yaml'))).toHaveLength(9);
    expect(all.length).toBeGreaterThan(30);
  });

  for (const sample of samples()) {
    const stricter = lintStricter[sample.name];
    it(`${sample.name}: ${stricter ? `lint is stricter (${stricter})` : 'same verdict'}`, async () => {
      const v = await verdicts(sample);
      if (stricter) {
        expect(v.istioctl.valid, v.istioctl.output).toBe(true);
        expect(v.lint, 'lint should reject it').toBe(false);
      } else {
        expect(v.lint, `lint: ${v.findings.join('\n')}\nistioctl: ${v.istioctl.output}`).toBe(v.istioctl.valid);
      }
    });
  }
});
