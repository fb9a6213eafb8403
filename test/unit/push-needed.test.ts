// Refusals before anything is built or changed: a release whose image is never pushed, and
// an offline build that would push without checking the registry's tags.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../pipelines/build/run.js';
import { loadConfig } from '../../pipelines/config/load.js';
import { InputError } from '../../pipelines/errors.js';
import { validate } from '../../pipelines/release/steps.js';
import type { ReleaseState } from '../../pipelines/release/context.js';

function configDir(output: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-push-'));
  writeFileSync(join(dir, 'shipline.yaml'), `image:\n  repository: 127.0.0.1:5000/unit/app\n${output}`);
  return dir;
}

const state = (dir: string, extra: Partial<ReleaseState['options']> = {}): ReleaseState => ({
  options: { config: join(dir, 'shipline.yaml'), dryRun: false, yes: true, skipBuild: false, ...extra },
  warnings: [],
  timings: {},
  done: [],
});

describe('release with output.push: false', () => {
  it('is refused at validation (exit 2), not after the build with "--image undefined"', () => {
    const dir = configDir('output:\n  push: false\n  oci: app_{tag}.tar\n');
    const error = (() => {
      try {
        validate(state(dir));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/shipline\.yaml: output\.push is false/);
    expect((error as InputError).hint).toContain('--skip-build --image');
  });

  it('is fine with --skip-build --image (the image was pushed some other way) and in a dry run', () => {
    const dir = configDir('output:\n  push: false\n  oci: app_{tag}.tar\n');
    expect(() => validate(state(dir, { skipBuild: true, image: `127.0.0.1:5000/unit/app@sha256:${'b'.repeat(64)}` }))).not.toThrow();
    expect(() => validate(state(dir, { dryRun: true }))).not.toThrow();
  });
});

describe('build --offline', () => {
  it('refuses to push without checking tags (exit 2) before building anything', async () => {
    const dir = configDir('');
    const error = await build({ loaded: loadConfig(join(dir, 'shipline.yaml')), clock: new Date('2024-01-26T00:00:00Z'), offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe('--offline checks no tags in the registry, but this build pushes');
  });
});
