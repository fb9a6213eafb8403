// Bundles the TypeScript CLI into dist/cli with esbuild (code-split per command), so the
// CLI starts without compiling TypeScript. In a checkout the launcher calls it when
// dist/cli is stale; `npm pack` runs it (prepack) so the package ships the bundle.
// esbuild is a dev dependency: an installed package never builds.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

export async function buildCli(stamp) {
  const tmp = join(root, `dist.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, 'scripts', 'cli.ts')],
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Dependencies are bundled too: one parsed file loads far faster than hundreds of
    // modules (the Kubernetes client: 0.14 s instead of 0.66 s). dockerode stays out for
    // its optional native ssh2 parts; the zstd WebAssembly package loads its .wasm file
    // from beside its own code.
    external: ['dockerode', 'ssh2', 'cpu-features', 'esbuild', '@bokuweb/zstd-wasm'],
    banner: { js: "import { createRequire as __shiplineRequire } from 'node:module'; const require = __shiplineRequire(import.meta.url);" },
    logLevel: 'error',
  });
  // lint's engine as one classic script as well: the lint command runs it through V8
  // with its compiled form cached (manifests/code-cache.ts), which ES modules cannot be.
  await build({
    entryPoints: [join(root, 'manifests', 'lint.ts')],
    outfile: join(tmp, 'lint-engine.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta.url': '__shiplineModuleUrl' },
    banner: { js: "const __shiplineModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'error',
  });
  writeFileSync(join(tmp, 'stamp'), `${stamp}\n`);
  mkdirSync(join(root, 'dist'), { recursive: true });
  // Swap in whole so a concurrent run never sees half a build.
  const old = join(root, `dist.old-${process.pid}`);
  try {
    renameSync(join(root, 'dist', 'cli'), old);
  } catch {
    /* first build */
  }
  try {
    renameSync(tmp, join(root, 'dist', 'cli'));
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race
  }
  rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { sourceStamp } = await import('./source-stamp.mjs');
  await buildCli(sourceStamp(root));
}
