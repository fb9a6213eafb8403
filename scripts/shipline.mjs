#!/usr/bin/env node
// Entry point: runs the bundled CLI in dist/cli. In a checkout (the TypeScript sources
// are there) it first rebuilds the bundle when a source is newer than it; an installed
// package has no sources and runs the bundle `npm pack` built (prepack) as it is.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bundle = join(root, 'dist', 'cli', 'cli.js');

if (existsSync(join(root, 'scripts', 'cli.ts'))) {
  const { sourceStamp } = await import('./source-stamp.mjs');
  const stamp = sourceStamp(root);
  let built;
  try {
    built = readFileSync(join(root, 'dist', 'cli', 'stamp'), 'utf8').trim();
  } catch {
    built = undefined;
  }
  if (built !== stamp) {
    const { buildCli } = await import('./build-cli.mjs');
    await buildCli(stamp);
  }
} else if (!existsSync(bundle)) {
  process.stderr.write(`shipline: ${bundle} is missing: this package was not packed with its prebuilt CLI\n  fix: make the package with \`npm pack\` (its prepack script builds dist/cli), then install that tarball\n`);
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
