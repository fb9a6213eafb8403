// Bundles the TypeScript CLI into dist/cli with esbuild (code-split per command), so the
// CLI starts without compiling TypeScript. In a checkout the launcher calls it when
// dist/cli is stale; `npm pack` runs it (prepack) so the package ships the bundle.
// esbuild is a dev dependency: an installed package never builds.
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

// What dockerode and docker-modem require only for what shipline never does: Docker over
// SSH (ssh2, whose optional cpu-features is a native node-gyp build) and BuildKit sessions
// and build-output decoding (gRPC, protobuf). Inside those two packages they resolve to an
// empty module; the unix-socket and TCP transports need none of them.
const unusedByDockerode = new Set(['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs']);
const dockerodeTrimmed = {
  name: 'dockerode-trimmed',
  setup(b) {
    b.onResolve({ filter: /^(ssh2|@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)$/ }, (args) =>
      unusedByDockerode.has(args.path) && /[\\/]node_modules[\\/](dockerode|docker-modem)[\\/]/.test(args.importer)
        ? { path: args.path, namespace: 'unused-by-shipline' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'unused-by-shipline' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

// Loaded lazily with require() from files beside the bundle (define below), so they stay
// out of the chunks every command parses: ajv (only when a CRD's validator is not cached)
// as two bundled files, zstd-wasm as its own files (its loader reads zstd.wasm beside it).
const lazy = {
  SHIPLINE_AJV_MODULE: JSON.stringify('./ajv.cjs'),
  SHIPLINE_ZSTD_MODULE: JSON.stringify('./zstd-wasm/index.node.js'),
  // The release report inlines uPlot's files into each page: they ship as files beside the bundle.
  SHIPLINE_UPLOT_DIR: JSON.stringify('./uplot/'),
};

/** ajv's module ids as manifests/crd-validator.ts requires them: the compiler, and what generated code needs. */
function ajvFiles() {
  const runtime = readdirSync(join(dirname(require.resolve('ajv')), 'runtime')).filter((f) => f.endsWith('.js') && f !== 're2.js'); // re2: a native engine shipline does not ask for
  return {
    'ajv.cjs': ['ajv', 'ajv/dist/standalone/index'],
    'ajv-runtime.cjs': runtime.map((f) => `ajv/dist/runtime/${f.replace(/\.js$/, '')}`),
  };
}

/**
 * esbuild escapes what is not ASCII in strings, but not in comments and regular expression
 * literals. Escaped there too (\uXXXX means the same in both), the engine is ASCII, which
 * lint reads and V8 compiles as one-byte text: a few milliseconds less at every start.
 */
function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/[^ -~\t\n\r]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

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
    // modules (the Kubernetes client: 0.14 s instead of 0.66 s), and the installed package
    // then needs no dependencies at all (no install scripts, no native builds).
    external: ['esbuild'],
    plugins: [dockerodeTrimmed],
    define: lazy,
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
    define: { 'import.meta.url': '__shiplineModuleUrl', ...lazy },
    banner: { js: "const __shiplineModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'error',
  });
  asciiOnly(join(tmp, 'lint-engine.cjs'));
  for (const [file, ids] of Object.entries(ajvFiles())) {
    await build({
      stdin: { contents: `module.exports = {\n${ids.map((id) => `  ${JSON.stringify(id)}: require(${JSON.stringify(id)}),`).join('\n')}\n};\n`, resolveDir: root, loader: 'js' },
      outfile: join(tmp, file),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
    });
  }
  cpSync(dirname(require.resolve('@bokuweb/zstd-wasm')), join(tmp, 'zstd-wasm'), { recursive: true, filter: (file) => !file.endsWith('.map') && !file.endsWith('.d.ts') });
  // CommonJS files under the package's "type": "module".
  writeFileSync(join(tmp, 'zstd-wasm', 'package.json'), '{ "type": "commonjs" }\n');
  mkdirSync(join(tmp, 'uplot'));
  for (const id of ['uplot/dist/uPlot.iife.min.js', 'uplot/dist/uPlot.min.css', 'uplot/LICENSE']) {
    cpSync(require.resolve(id), join(tmp, 'uplot', basename(id)));
  }
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
