// `stack status` as a user runs it.
import { describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { paths } from '../../pipelines/stack/layout.js';

describe('shipline stack status', () => {
  it('prints one up line per part with a version, and the kubeconfig path, and exits 0', async () => {
    const result = await run(['node', 'scripts/shipline.mjs', 'stack', 'status'], { nothrow: true });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const partNames = ['qemu-binfmt', 'registry', 'dockerd', 'etcd', 'kube-apiserver', 'buildkitd', 'buildx', 'base-images', 'sbom-scanner',
      'kube-controller-manager', 'kube-scheduler', 'pause-image', 'pod-network', 'containerd', 'kubelet', 'kube-proxy', 'coredns',
      'traefik', 'prometheus'];
    for (const part of partNames) {
      const line = lines.find((l) => l.startsWith(`${part} `));
      expect(line, part).toBeDefined();
      expect(line).toMatch(/\s+up\s+/);
      expect(line).not.toMatch(/\s+-\s+up/);
    }
    expect(lines).toContain(`kubeconfig ${paths.kubeconfig()}`);
    // Columns hold whatever the versions are (dockerd's is 20.10.24+dfsg1 on Debian 12).
    const partLines = lines.filter((l) => !l.startsWith('kubeconfig '));
    expect(new Set(partLines.map((l) => / (up|down) {2}/.exec(l)?.index)).size, result.stdout).toBe(1);
  });
});

describe('shipline stack up: faults', () => {
  it('refuses a port already taken by a program the stack did not start, naming the part and address (exit 3)', async () => {
    const { mkdtempSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    // A second stack (its own cache) finds the first one's registry on 127.0.0.1:5000.
    const cache = mkdtempSync(join(tmpdir(), 'shipline-second-stack-'));
    const result = await run(['node', 'scripts/shipline.mjs', 'stack', 'up'], { nothrow: true, env: { ...process.env, SHIPLINE_CACHE: cache } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('registry: something the stack did not start already answers at http://127.0.0.1:5000');
    expect(result.stderr).toContain('fix:');
    // Nothing was started for it.
    const pids = join(cache, 'stack', 'pids');
    expect(() => readdirSync(pids)).toThrow();
  });
});
