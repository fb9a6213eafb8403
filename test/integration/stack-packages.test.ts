// After `stack up`, every Debian package each part declares is installed according to
// the package database (not just some binary of it on PATH).
import { describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { packagesToInstall } from '../../pipelines/stack/install.js';
import { debianPackagesByPart } from '../../pipelines/stack/stack.js';

describe('Debian packages of the stack', () => {
  const byPart = Object.entries(debianPackagesByPart()).filter(([part]) => part !== 'benchmarks');

  it('lists packages for the parts that need them, the arm64 C library headers among them', () => {
    expect(Object.fromEntries(byPart)).toMatchObject({
      'pause-image': expect.arrayContaining(['gcc-aarch64-linux-gnu', 'libc6-dev-arm64-cross', 'musl-tools']),
      dockerd: expect.arrayContaining(['docker.io']),
      'pod-network': expect.arrayContaining(['nftables', 'containernetworking-plugins']),
    });
  });

  it.each(byPart)('%s: every package is installed (dpkg-query)', async (_part, packages) => {
    const status = await run(['dpkg-query', '-W', '-f=${Package} ${db:Status-Abbrev}\n', ...packages], { nothrow: true });
    expect(packagesToInstall(packages, status.stdout)).toEqual([]);
  });
});
