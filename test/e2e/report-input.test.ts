// Bad input to the report options: one line naming the option and the fix, exit 2, before any
// cluster is asked or anything is built.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shipline } from '../support/cli.js';

const cwd = mkdtempSync(join(tmpdir(), 'shipline-report-input-'));
// A kubeconfig that does not exist: a command that reached the cluster would fail otherwise.
const env = { KUBECONFIG: join(cwd, 'no-kubeconfig'), CI: 'true' };

describe('report options', () => {
  it.each([
    [['rollout', 'report', '--config', '@sample', '--release', 'r3'], '--release r3: not a revision number'],
    [['rollout', 'report', '--config', '@sample', '-o', join(cwd, 'missing', 'report.html')], `--output ${join(cwd, 'missing', 'report.html')}: folder ${join(cwd, 'missing')} does not exist`],
    [['rollout', 'report', '--config', '@sample', '-o', cwd], `--output ${cwd}: is a folder`],
    [['release', '--config', '@sample', '--yes', '--report', join(cwd, 'missing', 'r.html')], `--report ${join(cwd, 'missing', 'r.html')}: folder ${join(cwd, 'missing')} does not exist`],
    [['release', '--config', '@sample', '--dry-run', '--report', join(cwd, 'r.html')], '--report with --dry-run: a dry run makes no release to report'],
  ])('%j exits 2', async (args, message) => {
    const result = await shipline(args, { cwd, env });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
