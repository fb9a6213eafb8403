// -f inputs as kubectl reads them: files, `-`, folders (top level, or all with -R),
// .yaml/.yml/.json only inside folders, and kubectl List documents unpacked.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseObjects, readObjects } from '../../pipelines/cluster/documents.js';
import { InputError } from '../../pipelines/errors.js';
import { readInputFiles } from '../../pipelines/input-files.js';

const dir = mkdtempSync(join(tmpdir(), 'shipline-inputs-'));
mkdirSync(join(dir, 'sub'));
writeFileSync(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
writeFileSync(join(dir, 'a.json'), '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}');
writeFileSync(join(dir, 'readme.md'), '# not a manifest');
writeFileSync(join(dir, 'sub', 'c.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');

const thrown = (f: () => unknown): InputError => {
  try {
    f();
  } catch (error) {
    return error as InputError;
  }
  throw new Error('did not throw');
};

describe('readInputFiles', () => {
  it('reads a folder\'s manifest files by name, its subfolders only when recursive', () => {
    expect(readInputFiles([dir], { flag: '-f' }).map((f) => f.name)).toEqual(['a.json', 'b.yaml']);
    expect(readInputFiles([dir], { flag: '-f', recursive: true }).map((f) => f.name)).toEqual(['a.json', 'b.yaml', join('sub', 'c.yml')]);
  });

  it('reads `-` from standard input, once', () => {
    expect(readInputFiles(['-'], { flag: '-f', readStdin: () => 'x: 1\n' })).toEqual([{ file: '-', name: 'stdin.yaml', text: 'x: 1\n' }]);
    expect(thrown(() => readInputFiles(['-', '-'], { flag: '-f', readStdin: () => '' })).message).toBe('-f -: standard input can be given once');
  });

  it('names a missing path and an empty folder (exit 2)', () => {
    const missing = thrown(() => readInputFiles([join(dir, 'nope')], { flag: '-f' }));
    expect(missing).toBeInstanceOf(InputError);
    expect(missing.message).toBe(`-f ${join(dir, 'nope')}: no such file or folder`);
    const empty = mkdtempSync(join(tmpdir(), 'shipline-inputs-empty-'));
    mkdirSync(join(empty, 'deeper'));
    writeFileSync(join(empty, 'deeper', 'x.yaml'), 'a: 1\n');
    const error = thrown(() => readInputFiles([empty], { flag: '--manifests' }));
    expect(error.message).toBe(`--manifests ${empty}: the folder holds no .yaml, .yml or .json file (its subfolders do)`);
    expect(error.hint).toContain('-R');
  });
});

describe('kubectl List documents', () => {
  it('are unpacked into their items, each numbered by its document', () => {
    const list = JSON.stringify({ apiVersion: 'shipline.dev/v1', kind: 'ManifestList', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'y' } }] });
    expect(parseObjects(list, 'list.json').map((s) => `${s.object.kind}/${s.object.metadata.name} doc ${s.doc}`)).toEqual(['ConfigMap/x doc 1', 'Secret/y doc 1']);
    expect(thrown(() => parseObjects('apiVersion: v1\nkind: List\nitems: [{kind: ConfigMap}]\n', 'l.yaml')).message).toMatch(/^l\.yaml: doc 1: items\[0\]: not a Kubernetes object, missing apiVersion, metadata\.name$/);
  });

  it('reach apply/delete/diff through readObjects', () => {
    expect(readObjects([dir], undefined, { recursive: true }).map((s) => s.object.metadata.name)).toEqual(['a', 'b', 'c']);
  });
});
