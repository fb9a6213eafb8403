// Checks a command's machine-readable output against its checked-in JSON Schema
// (schema/output/<Kind>.schema.json), as a user's tooling would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { projectRoot } from '../../pipelines/project-root.js';

const validators = new Map<string, ValidateFunction>();

export function outputSchema(kind: string): object {
  return JSON.parse(readFileSync(join(projectRoot, 'schema', 'output', `${kind}.schema.json`), 'utf8')) as object;
}

function validator(kind: string): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(outputSchema(kind));
    validators.set(kind, validate);
  }
  return validate;
}

/** Asserts that `document` (parsed JSON or YAML output) is a valid `kind` document, and returns it typed. */
export function expectDocument<T = Record<string, unknown>>(document: unknown, kind: string): T {
  const validate = validator(kind);
  expect(validate(document), `${kind}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
  expect(document).toMatchObject({ apiVersion: 'shipline.dev/v1', kind });
  return document as T;
}
