// Every pattern of the user's notes (and two combinations) rendered from its config
// must equal its golden file byte for byte. UPDATE_GOLDEN=1 rewrites the goldens;
// review the diff against the notes before committing it.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRouting } from '../../manifests/intent.js';
import { renderRouting, type RoutingApi } from '../../manifests/render.js';
import { toYaml } from '../../pipelines/model/yaml.js';
import { readYamlFile } from '../../pipelines/model/config-issues.js';
import { InputError } from '../../pipelines/errors.js';

const goldenDir = join(import.meta.dirname, 'golden');
const goldenConfigs = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.config.yaml'))
  .sort();
/** Patterns HTTPRoute cannot express, with the reason the renderer gives. */
const istioOnly: Record<string, RegExp> = {
  '5-fault-injection': /routing\.rules\[0\]\.fault: HTTPRoute cannot inject faults; render with --api istio/,
  '9-combined-chaos': /routing\.rules\[2\]\.fault: HTTPRoute cannot inject faults/,
};

function render(config: string, api: RoutingApi, istioVersion: 'v1' | 'v1beta1' | 'v1alpha3' = 'v1'): string {
  const file = join(goldenDir, config);
  const raw = readYamlFile(file) as { routing: unknown };
  return toYaml(renderRouting(parseRouting(raw.routing, file), { api, istioVersion, file }));
}

function golden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(existsSync(path), `${name} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden manifests', () => {
  it('covers the seven patterns and two combinations', () => {
    expect(goldenConfigs).toHaveLength(9);
  });

  for (const config of goldenConfigs) {
    const base = config.replace('.config.yaml', '');
    it(`${base}: Istio v1 equals ${base}.istio.yaml, and renders identically on repeat`, () => {
      const first = render(config, 'istio');
      golden(`${base}.istio.yaml`, first);
      expect(render(config, 'istio')).toBe(first);
    });

    it(`${base}: Istio v1beta1 and v1alpha3 differ from v1 only in apiVersion`, () => {
      const v1 = render(config, 'istio');
      for (const version of ['v1beta1', 'v1alpha3'] as const) {
        expect(render(config, 'istio', version)).toBe(v1.replaceAll('networking.istio.io/v1\n', `networking.istio.io/${version}\n`));
      }
    });

    const refusal = istioOnly[base];
    if (refusal) {
      it(`${base}: Gateway API refuses it and names the rule and --api istio`, () => {
        const error = (() => {
          try {
            render(config, 'gateway-api');
          } catch (e) {
            return e;
          }
        })();
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).message).toMatch(refusal);
      });
    } else {
      it(`${base}: Gateway API equals ${base}.gateway-api.yaml, and renders identically on repeat`, () => {
        const first = render(config, 'gateway-api');
        golden(`${base}.gateway-api.yaml`, first);
        expect(render(config, 'gateway-api')).toBe(first);
      });
    }
  }
});
