// Seeded fuzzing of real signed bundles (zstd and gzip): random byte flips (anywhere, in the
// small frames that hold tar headers, in the frame table) and truncations. For every case,
// either `verify --key` refuses it (exit 3, a named error, never a crash), or what the
// standard tools extract (zstd -dc / gunzip, then tar -x) is exactly the signed files.
// verify runs in this process (the CLI's own function), so a few hundred cases take seconds.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundle } from '../../pipelines/bundle/create.js';
import { readManifestInputs } from '../../pipelines/bundle/manifest-files.js';
import { verifyBundle } from '../../pipelines/bundle/verify.js';
import { exitCodeOf, ShiplineError } from '../../pipelines/errors.js';
import { extractWithStandardTools, plainTarOf, readFrames, signedFiles, tarItems } from '../bundle-fixtures/hostile.js';
import { writeSyntheticOci } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { seededRandom as random } from '../../pipelines/seeded-random.js';


const seed = 21;
const casesPerCompression = 250;

let dir: string;
const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-fuzz-'));
  const image = await writeSyntheticOci(join(dir, 'image.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 1, layerSize: 100_000, seed: 'fuzz' });
  writeFileSync(join(dir, 'deploy.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fuzz}\n');
  const { manifests } = await readManifestInputs([join(dir, 'deploy.yaml')]);
  for (const compression of ['zstd', 'gzip'] as const) {
    await createBundle({
      images: [{ name: 'air/fuzz:1', ociLayoutTar: image.file }],
      manifests,
      routingApiVersions: [],
      toolVersion: 'fuzz',
      output: join(dir, `signed.${compression}`),
      compression,
      signKey: pair.privateKey,
    });
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each(['zstd', 'gzip'] as const)('fuzzed %s bundles', (compression) => {
  it(`${casesPerCompression} flips and truncations (seed ${seed}): refused with exit 3, or extracted as signed`, async () => {
    const original = readFileSync(join(dir, `signed.${compression}`));
    const own = await tarItems(await plainTarOf(join(dir, `signed.${compression}`)));
    const expected = signedFiles(own.find((i) => i.header.name === 'bundle.json')!.data!, own.find((i) => i.header.name === 'bundle.json.sig')!.data!);
    const { frames } = await readFrames(join(dir, `signed.${compression}`));
    let offset = 0;
    const small = frames.map((f) => ((offset += f.bytes.length), { start: offset - f.bytes.length, length: f.bytes.length, u: f.u })).filter((f) => f.u <= 4096);
    const next = random(seed + (compression === 'zstd' ? 0 : 1));
    const pick = (n: number) => Math.floor(next() * n);
    let accepted = 0;
    const file = join(dir, `case.${compression}`);
    for (let n = 0; n < casesPerCompression; n++) {
      const bytes = Buffer.from(original);
      let mutated: Buffer = bytes;
      let what: string;
      if (next() < 0.1) {
        const length = pick(bytes.length);
        mutated = bytes.subarray(0, length);
        what = `truncated to ${length}`;
      } else {
        const flips = 1 + pick(4);
        const at: number[] = [];
        for (let i = 0; i < flips; i++) {
          const region = next();
          const frame = small[pick(small.length)]!;
          const position = region < 0.4 ? pick(bytes.length) : region < 0.75 ? frame.start + pick(frame.length) : bytes.length - 1 - pick(Math.min(600, bytes.length));
          bytes[position]! ^= 1 + pick(255);
          at.push(position);
        }
        what = `bytes flipped at ${at.join(', ')}`;
      }
      writeFileSync(file, mutated);
      const outcome = await verifyBundle(file, { key: pair.publicKey }).then(() => undefined, (error: unknown) => error);
      if (outcome !== undefined) {
        // A refusal: a named error with the exit code of an untrusted bundle, never a crash.
        expect(outcome, `case ${n} (${what}): ${String(outcome)}`).toBeInstanceOf(ShiplineError);
        expect(exitCodeOf(outcome), `case ${n} (${what}): ${(outcome as Error).message}`).toBe(3);
        continue;
      }
      accepted++;
      const out = await extractWithStandardTools(file, compression, join(dir, `x-${compression}-${n}`));
      expect(out.ok, `case ${n} (${what}): the standard tools failed on a bundle verify accepted`).toBe(true);
      expect(out.others, `case ${n} (${what})`).toEqual([]);
      expect(out.files, `case ${n} (${what})`).toEqual(expected);
      rmSync(join(dir, `x-${compression}-${n}`), { recursive: true, force: true });
    }
    // Flips in header fields no signature covers (mtime, owner names) are accepted: they
    // change nothing tar writes into a file. Printed so a run shows both paths were taken.
    process.stdout.write(`${compression}: ${accepted} of ${casesPerCompression} fuzzed bundles accepted, each extracted as signed\n`);
  }, 120_000);
});
