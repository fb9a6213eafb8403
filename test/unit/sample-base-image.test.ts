// Dockerfile.musl builds anywhere from a public base image by default; the local stack
// (which reaches no public registry) passes its own base image as a build argument.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../pipelines/config/load.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { baseImageRef } from '../../pipelines/stack/layout.js';

describe('the sample service base image', () => {
  it('defaults to a public image in Dockerfile.musl', () => {
    const dockerfile = readFileSync(join(projectRoot, 'Dockerfile.musl'), 'utf8');
    const base = /^ARG BASE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/^busybox:[\d.]+-musl$/);
    expect(dockerfile).toMatch(/^FROM \$\{BASE\}$/m);
  });

  it("is the local stack's base image in the embedded default", () => {
    expect(loadConfig(undefined, projectRoot).config.image.buildArgs).toMatchObject({ BASE: baseImageRef });
  });
});
