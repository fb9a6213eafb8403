// The project's root folder, found from this module's location whether it runs from
// source (tsx, vitest) or from the esbuild bundle in dist/cli.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'manifests'))) return dir;
    if (dirname(dir) === dir) throw new Error(`shipline: cannot find the project root above ${start}`);
  }
}

export const projectRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
