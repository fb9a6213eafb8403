import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseRouting } from '../../manifests/intent.js';
import { configJsonSchema } from '../../pipelines/config/json-schema.js';
import { parseConfig, projectRoot } from '../../pipelines/config/load.js';
import { embeddedDefault } from '../../pipelines/config/embedded-default.js';
import { starterConfig } from '../../pipelines/config/starter.js';
import { rolloutSection } from '../../pipelines/config/rollout.js';

const checkedIn = JSON.parse(readFileSync(join(projectRoot, 'schema', 'shipline.schema.json'), 'utf8')) as object;

describe('config JSON Schema', () => {
  it('is checked in as generated from the zod schemas (run `npx tsx scripts/gen-schema.ts` after changing them)', () => {
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('accepts the starter config and the embedded default, and rejects a typo', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(checkedIn);
    expect(validate(parse(starterConfig())), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(embeddedDefault), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ image: { repository: 'a/b' }, imgae: {} })).toBe(false);
  });
});

describe('starter config', () => {
  it('passes every validation layer', () => {
    const raw = parse(starterConfig()) as Record<string, unknown>;
    expect(() => parseConfig(raw, 'shipline.yaml')).not.toThrow();
    const { api: _api, ...routing } = raw.routing as Record<string, unknown>;
    expect(() => parseRouting(routing, 'shipline.yaml')).not.toThrow();
    expect(rolloutSection.safeParse(raw.rollout).success).toBe(true);
  });
});

describe('starter config is complete', () => {
  it('names every field of the schema in its section, set or in a comment', async () => {
    const { fieldPaths } = await import('../../pipelines/config/explain.js');
    const text = starterConfig();
    const sections = new Map<string, string>();
    for (const block of text.split(/^(?=[a-z]+:)/m)) sections.set(block.slice(0, block.indexOf(':')), block);
    const missing = fieldPaths()
      .map((path) => path.split('.'))
      .filter((keys) => keys.length > 1 && !new RegExp(`\\b${keys.at(-1)}:`).test(sections.get(keys[0]!) ?? ''))
      .map((keys) => keys.join('.'));
    expect(missing).toEqual([]);
    expect(text).toMatch(/^# yaml-language-server: \$schema=\.\/schema\/shipline\.schema\.json$/m);
  });
});
