// A small build context on the stack's base image, and a config pointing at the local registry.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { baseImageRef, registryAddress } from '../../pipelines/stack/layout.js';

export function buildFixture(repositoryPath: string, config: Record<string, unknown> = {}): { dir: string; repository: string; configFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-build-'));
  writeFileSync(join(dir, 'Dockerfile.musl'), `FROM ${baseImageRef}\nARG MARK=none\nRUN uname -m > /arch && echo "$MARK" > /mark\n`);
  const repository = `${registryAddress}/${repositoryPath}`;
  const full = { ...config, image: { repository, ...(config.image as object) } };
  const configFile = join(dir, 'shipline.yaml');
  writeFileSync(configFile, stringify(full));
  return { dir, repository, configFile };
}
