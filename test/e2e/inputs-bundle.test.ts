// `bundle create --manifests` reads inputs as kubectl -f does: `-` for standard input,
// a folder's top-level .yaml/.yml/.json files, its subfolders too with -R; a missing
// path or a folder without manifests exits 2, names it, and writes no bundle.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { shipline } from '../support/cli.js';

let dir: string;
let image: SyntheticImage;
const at = (name: string) => join(dir, name);
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { k: v }\n`;

/** `bundle create` of the synthetic image with these --manifests arguments; the bundle's manifest paths. */
async function create(name: string, args: string[], input?: string) {
  const out = at(`${name}.bundle.tar`);
  const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', `air/${name}:1`, '--compress', 'none', ...args, '-o', out], { cwd: dir, input });
  if (created.exitCode !== 0) return { created, out, manifests: undefined };
  const inspected = await shipline(['bundle', 'inspect', out, '-o', 'json']);
  return { created, out, manifests: (JSON.parse(inspected.stdout) as { manifests: string[] }).manifests };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-inputs-bundle-'));
  image = await writeSyntheticOci(at('app.tar'), { platforms: ['linux/amd64'], layersPerPlatform: 1, layerSize: 16 << 10, seed: `inputs-${Date.now()}` });
  mkdirSync(at('site/nested/deeper'), { recursive: true });
  writeFileSync(at('site/a.yaml'), configMap('a'));
  writeFileSync(at('site/b.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, data: { k: 'v' } }));
  writeFileSync(at('site/notes.txt'), 'not a manifest');
  writeFileSync(at('site/nested/c.yml'), configMap('c'));
  writeFileSync(at('site/nested/deeper/d.yaml'), configMap('d'));
  mkdirSync(at('only-nested/sub'), { recursive: true });
  writeFileSync(at('only-nested/sub/e.yaml'), configMap('e'));
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bundle create --manifests', () => {
  it('- reads the manifests from standard input', async () => {
    const { created, manifests } = await create('stdin', ['--manifests', '-'], configMap('from-stdin'));
    expect(created.exitCode, created.stderr).toBe(0);
    expect(manifests).toEqual(['manifests/stdin.yaml']);
  });

  it('a folder: its top-level .yaml and .json files only, without -R', async () => {
    const { created, manifests } = await create('flat', ['--manifests', 'site']);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(manifests).toEqual(['manifests/a.yaml', 'manifests/b.json']);
  });

  it('-R (--recursive): its subfolders too, named by their path in the folder', async () => {
    for (const flag of ['-R', '--recursive']) {
      const { created, manifests } = await create(`deep${flag.replace(/-/g, '').toLowerCase()}`, ['--manifests', 'site', flag]);
      expect(created.exitCode, created.stderr).toBe(0);
      expect(manifests).toEqual(['manifests/a.yaml', 'manifests/b.json', 'manifests/nested/c.yml', 'manifests/nested/deeper/d.yaml']);
    }
  });

  it('exits 2 for a folder whose manifests are all in subfolders, pointing at -R, writing nothing', async () => {
    const { created, out } = await create('nested', ['--manifests', 'only-nested']);
    expect(created.exitCode).toBe(2);
    expect(created.stderr).toContain('--manifests only-nested: the folder holds no .yaml, .yml or .json file (its subfolders do)');
    expect(created.stderr).toContain('-R');
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 for a missing path, naming it, writing nothing', async () => {
    const { created, out } = await create('missing', ['--manifests', 'site', '--manifests', 'nope.yaml']);
    expect(created.exitCode).toBe(2);
    expect(created.stderr).toContain('--manifests nope.yaml: no such file or folder');
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 when standard input is given twice', async () => {
    const { created } = await create('twice', ['--manifests', '-', '--manifests', '-'], configMap('x'));
    expect(created.exitCode).toBe(2);
    expect(created.stderr).toContain('--manifests -: standard input can be given once');
  });
});

