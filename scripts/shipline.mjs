#!/usr/bin/env node
// Entry point: runs the bundled CLI in dist/cli, rebuilding it first when a TypeScript
// source is newer than the bundle.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sourceStamp } from './source-stamp.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
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
await import(pathToFileURL(join(root, 'dist', 'cli', 'cli.js')).href);
