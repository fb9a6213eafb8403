// `shipline explain FIELD` reads the JSON Schema generated from the zod schemas: every field
// documented there, with an example that the config validation accepts.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { closestFields, explainField, fieldPaths, formatFieldDoc } from '../../pipelines/config/explain.js';
import { InputError } from '../../pipelines/errors.js';

describe('explain', () => {
  it('documents every field of shipline.yaml in the schema, with a default or an example', () => {
    const paths = fieldPaths();
    expect(paths.length).toBeGreaterThan(100);
    for (const path of paths) {
      const doc = explainField(path);
      expect(doc.description, path).not.toBe('');
      expect(doc.type, path).not.toBe('any');
      const hasValue = doc.example !== undefined || doc.default !== undefined || doc.type.startsWith('one of');
      expect(hasValue, `${path} has neither example nor default`).toBe(true);
    }
  });

  it('explains routing.rules.retries: meaning, type, default and an example nested under its path', () => {
    const doc = explainField('routing.rules[0].retries');
    expect(doc).toMatchObject({ path: 'routing.rules.retries', description: 'Retry failed requests.', type: 'mapping', required: false });
    expect(doc.fields.map((f) => f.name)).toEqual(['attempts', 'perTryTimeout', 'on', 'backoff']);
    expect(parse(doc.exampleYaml!)).toEqual({ routing: { rules: [{ retries: { attempts: 3, perTryTimeout: '1s', on: '5xx,reset' } }] } });
    const text = formatFieldDoc(doc);
    expect(text).toContain('routing.rules.retries: Retry failed requests.\n  type:     mapping\n  default:  none (optional)\n');
    expect(formatFieldDoc(explainField('rollout.pause'))).toContain('  default:  "30s"');
    expect(explainField('image.repository')).toMatchObject({ required: true, type: 'string' });
    expect(explainField('rollout.strategy').type).toBe('one of "canary", "mirror", "header", "subset"');
  });

  it('refuses an unknown field with exit 2 and the closest names', () => {
    let error: unknown;
    try {
      explainField('routing.rules.retires');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect((error as InputError).message).toBe('explain routing.rules.retires: routing.rules has no field retires');
    expect((error as InputError).hint).toMatch(/^did you mean routing\.rules\.retries,/);
    expect(closestFields('rollout.gate')[0]).toBe('rollout.gates');
  });
});
