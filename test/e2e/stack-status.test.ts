// `stack status` as a user runs it.
import { describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { paths } from '../../pipelines/stack/layout.js';

describe('shipline stack status', () => {
  it('prints one up line per part with a version, and the kubeconfig path, and exits 0', async () => {
    const result = await run(['node', 'scripts/shipline.mjs', 'stack', 'status'], { nothrow: true });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const partNames = ['qemu-binfmt', 'registry', 'dockerd', 'etcd', 'kube-apiserver', 'buildkitd', 'buildx', 'base-images',
      'kube-controller-manager', 'kube-scheduler', 'pause-image', 'containerd', 'kubelet', 'prometheus'];
    for (const part of partNames) {
      const line = lines.find((l) => l.startsWith(`${part} `));
      expect(line, part).toBeDefined();
      expect(line).toMatch(/\s+up\s+/);
      expect(line).not.toMatch(/\s+-\s+up/);
    }
    expect(lines).toContain(`kubeconfig ${paths.kubeconfig()}`);
  });
});
