// The newest modification time among the CLI's TypeScript sources.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function sourceStamp(root) {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['scripts', 'pipelines', 'manifests']) walk(join(root, dir));
  return String(Math.floor(newest));
}
