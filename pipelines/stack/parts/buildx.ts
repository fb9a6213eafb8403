// The docker-buildx CLI plugin built from github.com/docker/buildx, and the
// `shipline-local` builder that reaches buildkitd through the remote driver.
import { existsSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inspectBuilder } from '../../adapters/buildx.js';
import { run } from '../../adapters/process.js';
import { ExternalError } from '../../errors.js';
import { buildGoTool } from '../install.js';
import { builderName, paths } from '../layout.js';
import type { Part, PartStatus } from '../part.js';
import { buildkitdAddress } from './buildkitd.js';

export const requiredPlatforms = ['linux/amd64', 'linux/arm64'] as const;

function pluginPath(): string {
  const configDir = process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  return join(configDir, 'cli-plugins', 'docker-buildx');
}

function linkPlugin(): void {
  const target = paths.dockerBuildx();
  const link = pluginPath();
  try {
    if (readlinkSync(link) === target) return;
  } catch {
    /* missing or not a link */
  }
  mkdirSync(join(link, '..'), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(target, link);
}

export const buildx: Part = {
  name: 'buildx',
  debianPackages: ['docker.io'],
  async install() {
    if (!existsSync(paths.dockerBuildx())) await buildGoTool('buildx');
    linkPlugin();
  },
  async start() {
    linkPlugin();
    const existing = await inspectBuilder(builderName);
    if (existing && (existing.driver !== 'remote' || existing.endpoint !== buildkitdAddress)) {
      await run(['docker', 'buildx', 'rm', builderName]);
    }
    if (!existing || existing.driver !== 'remote' || existing.endpoint !== buildkitdAddress) {
      await run(['docker', 'buildx', 'create', '--name', builderName, '--driver', 'remote', buildkitdAddress]);
    }
    const info = await inspectBuilder(builderName, true);
    const missing = requiredPlatforms.filter((p) => !info?.platforms.includes(p));
    if (!info || missing.length > 0) {
      throw new ExternalError(
        `buildx: builder ${builderName} does not list ${missing.join(', ')} (it lists ${info?.platforms.join(', ') || 'nothing'})`,
        { hint: 'check that qemu-aarch64 is registered in /proc/sys/fs/binfmt_misc, then restart buildkitd' },
      );
    }
  },
  // The builder entry is configuration, not a process: `down` keeps it for the next `up`.
  async stop() {},
  async status(): Promise<PartStatus> {
    const version = existsSync(paths.dockerBuildx())
      ? (/(v\d+\.\d+\.\d+\S*)/.exec((await run([paths.dockerBuildx(), 'version'], { nothrow: true })).stdout)?.[1] ?? 'unknown')
      : 'not installed';
    const info = await inspectBuilder(builderName).catch(() => undefined);
    const missing = requiredPlatforms.filter((p) => !info?.platforms.includes(p));
    const up = info?.status === 'running' && missing.length === 0;
    return {
      name: this.name,
      version,
      address: `builder ${builderName} (remote ${buildkitdAddress}) ${info?.platforms.join(',') ?? ''}`.trim(),
      up,
      note: up ? undefined : info ? `status ${info.status || 'unknown'}, missing ${missing.join(', ') || 'nothing'}` : 'builder not created',
    };
  },
};
