// The source of a Go module version from the Go module cache, downloaded through the
// module proxy when missing. `go mod download` extracts the module even when it then
// complains that the module wants a newer Go toolchain than this machine's, which only
// matters for building it, not for reading its files.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../pipelines/adapters/process.js';

export async function goModuleDir(module: string, version: string): Promise<string> {
  const gomodcache = (await run(['go', 'env', 'GOMODCACHE'], { nothrow: true })).stdout.trim();
  if (!gomodcache) throw new Error('go env GOMODCACHE printed nothing: is Go installed?');
  // Module paths are case-encoded in the cache (upper case as !lower); ours are lower case.
  const dir = join(gomodcache, `${module}@${version}`);
  if (!existsSync(dir)) {
    const cwd = mkdtempSync(join(tmpdir(), 'shipline-gomod-'));
    await run(['go', 'mod', 'init', 'shipline.local/fetch'], { cwd, nothrow: true });
    await run(['go', 'mod', 'download', `${module}@${version}`], { cwd, nothrow: true, timeoutMs: 600_000 });
  }
  if (!existsSync(dir)) throw new Error(`go mod download ${module}@${version} did not extract ${dir}`);
  return dir;
}
