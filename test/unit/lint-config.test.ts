// The whole shipline.yaml checked offline (`shipline lint shipline.yaml`, `shipline
// validate`, and before render and build): every section, did-you-mean for typos at any
// depth, and a fix in the words of `shipline explain` for every other problem.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedDefault } from '../../pipelines/config/embedded-default.js';
import { assertWholeConfig, wholeConfigIssues } from '../../pipelines/config/whole.js';
import { configFindings, isConfigFile } from '../../scripts/commands/lint-config.js';

const dir = mkdtempSync(join(tmpdir(), 'shipline-lint-config-'));
const config = (rollout: string, extra = '') => `image:\n  repository: modco/link\n${extra}rollout:\n${rollout}`;

describe('the whole config', () => {
  it('the embedded sample is valid', () => {
    expect(wholeConfigIssues(embeddedDefault, { requireImage: true })).toEqual([]);
  });

  it('a typo in rollout gets a did-you-mean and a rename; a wrong value what the field takes', async () => {
    const file = join(dir, 'shipline.yaml');
    writeFileSync(file, config('  stratgy: canary\n  steps: [10, "50", 100]\n  gates: { http: { pathh: /healthz } }\n', 'clustr: {}\n'));
    expect((await configFindings(file, 'shipline.yaml', { requireImage: true })).map((f) => [f.line, f.column, f.path, f.message, f.fix])).toEqual([
      [3, 1, 'clustr', 'unknown field; did you mean cluster?', 'rename clustr to cluster'],
      [5, 3, 'rollout.stratgy', 'unknown field; did you mean strategy?', 'rename stratgy to strategy'],
      [6, 15, 'rollout.steps[1]', 'must be a number, not string "50"', 'rollout.steps takes list of whole number (default [10, 25, 50, 100]), e.g. steps: [10, 25, 50, 100]; `shipline explain rollout.steps` says more'],
      [7, 12, 'rollout.gates.http', 'needs either path (probed on each pod of the new version) or url, not both', 'rollout.gates.http takes mapping, e.g. http: { path: /healthz, timeout: 5s }; `shipline explain rollout.gates.http` says more'],
      [7, 20, 'rollout.gates.http.pathh', 'unknown field; did you mean path?', 'rename pathh to path'],
    ]);
  });

  it('an unknown field with no near name lists what its section takes', () => {
    const [issue] = wholeConfigIssues({ image: { repository: 'modco/link' }, rollout: { zzzzzz: 1 } }, { requireImage: true });
    expect(issue!.fix).toMatch(/^remove zzzzzz; rollout takes strategy, steps, pause, /);
  });

  it('render and build refuse a config whose other sections are invalid, naming every problem', () => {
    const raw = { routing: embeddedDefault.routing, rollout: { stratgy: 'canary' }, output: { push: 'yes' } };
    expect(() => assertWholeConfig('shipline.yaml', raw, { requireImage: false })).toThrow(/output\.push: .*\n {2}shipline\.yaml: rollout\.stratgy: unknown field; did you mean strategy\?/);
    // A file with only a routing section is fine for render; build needs the image.
    expect(wholeConfigIssues({ routing: embeddedDefault.routing }, { requireImage: false })).toEqual([]);
    expect(wholeConfigIssues({ routing: embeddedDefault.routing }, { requireImage: true }).map((i) => `${i.path}: ${i.message}`)).toEqual(['image: missing (required)']);
  });

  it('a YAML syntax error in a config is one finding with its line and fix', async () => {
    const file = join(dir, 'tab.yaml');
    writeFileSync(file, 'image:\n\trepository: modco/link\n');
    expect((await configFindings(file, 'tab.yaml', { requireImage: true })).map((f) => [f.line, f.path, f.fix])).toEqual([[2, 'YAML', expect.stringMatching(/replace the tab/)]]);
  });

  it('tells a config from manifests', () => {
    expect(isConfigFile('x/shipline.yaml', 'apiVersion: v1\n')).toBe(true);
    expect(isConfigFile('staging.yaml', 'image:\n  repository: a\nrollout: {}\n')).toBe(true);
    expect(isConfigFile('vs.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\n')).toBe(false);
    expect(isConfigFile('list.yaml', 'kind: List\nitems: []\n')).toBe(false);
  });
});
