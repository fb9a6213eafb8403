// The source of a Go module version from the Go module cache, downloaded through the
// module proxy when missing. `go mod download` extracts the module even when it then
// complains that the module wants a newer Go toolchain than this machine's, which only
// matters for building it, not for reading its files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function goModuleDir(module: string, version: string): string {
  const gomodcache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
  if (!gomodcache) throw new Error('go env GOMODCACHE printed nothing: is Go installed?');
  // Module paths are case-encoded in the cache (upper case as !lower); ours are lower case.
  const dir = join(gomodcache, `${module}@${version}`);
  if (!existsSync(dir)) {
    const cwd = mkdtempSync(join(tmpdir(), 'shipline-gomod-'));
    spawnSync('go', ['mod', 'init', 'shipline.local/fetch'], { cwd, encoding: 'utf8' });
    spawnSync('go', ['mod', 'download', `${module}@${version}`], { cwd, encoding: 'utf8', timeout: 600_000 });
  }
  if (!existsSync(dir)) throw new Error(`go mod download ${module}@${version} did not extract ${dir}`);
  return dir;
}
