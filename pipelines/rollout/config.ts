// The `rollout` section of shipline.yaml: how a new version is deployed and shifted to.
import { z } from 'zod';
import { durationPattern, durationMs } from '../../manifests/duration.js';
import type { LoadedConfig } from '../config/load.js';
import { invalidConfig, zodIssues } from '../config/read.js';
import { InputError } from '../errors.js';
import { latencyGate, loadSection, successRateGate } from './analysis-config.js';

const duration = z.string().regex(durationPattern, 'must be a duration such as 30s, 500ms or 5m');
const percentStep = z.number().int('must be a whole number').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100');

export const rolloutSection = z
  .object({
    strategy: z.enum(['canary', 'mirror', 'header', 'subset']).default('canary'),
    /** Canary weights for the new version, in order; the last one is usually 100. */
    steps: z
      .array(percentStep)
      .min(1)
      .refine((steps) => steps.every((w, i) => i === 0 || w > steps[i - 1]!), { message: 'must increase step by step, e.g. [10, 25, 50, 100]' })
      .default([10, 25, 50, 100]),
    pause: duration.default('30s'),
    /** Promote by itself once a canary reaches its last step at 100% with every gate passing. */
    autoPromote: z.boolean().default(true),
    mirrorPercent: z.number().min(0).max(100).default(50),
    header: z.object({ name: z.string().regex(/^[a-z0-9-]+$/, 'must be a lowercase header name'), value: z.string().min(1) }).strict().default({ name: 'user', value: 'premium-user' }),
    availableTimeout: duration.default('5m'),
    /** How long the routing implementation may take to accept a route change (Gateway API). */
    acceptTimeout: duration.default('30s'),
    /**
     * Allow objects of the implementation itself where the standard lacks a feature it
     * does not support: Traefik's TraefikService mirroring for the mirror strategy.
     */
    implementationSpecific: z.boolean().default(false),
    workload: z
      .object({
        /**
         * The service's own manifests: files or folders (multi-document YAML; a folder with a
         * kustomization.yaml is rendered with `kubectl kustomize`), relative to the config file.
         * Without them shipline generates a Deployment from the fields below.
         */
        manifests: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((m) => (typeof m === 'string' ? [m] : m)).optional(),
        /** The service's Deployment in the manifests (default: the only one). */
        deployment: z.string().min(1).optional(),
        /** The container whose image each version replaces (default: the first). */
        container: z.string().min(1).optional(),
        /** Generated Deployment only: replicas, container port, grace period and command. */
        replicas: z.number().int().min(1).default(1),
        port: z.number().int().min(1).max(65535).default(8080),
        terminationGracePeriodSeconds: z.number().int().min(0).default(30),
        /** Container command of the generated Deployment. Default: the image's entrypoint. */
        command: z.array(z.string()).optional(),
      })
      .strict()
      .refine((w) => w.manifests !== undefined || (w.deployment === undefined && w.container === undefined), {
        message: 'deployment and container name parts of rollout.workload.manifests; add manifests or drop them',
      })
      .default({ replicas: 1, port: 8080, terminationGracePeriodSeconds: 30 }),
    gates: z
      .object({
        /**
         * 2xx from every ready pod of the new version at `http://<pod address>:<port><path>`
         * (port: the workload's container port), or from one fixed `url`.
         */
        http: z
          .object({
            path: z.string().startsWith('/', 'must start with /').optional(),
            port: z.number().int().min(1).max(65535).optional(),
            url: z.string().url().optional(),
            timeout: duration.default('5s'),
          })
          .strict()
          .refine((h) => (h.path === undefined) !== (h.url === undefined), { message: 'needs either path (probed on each pod of the new version) or url, not both' })
          .refine((h) => h.url === undefined || h.port === undefined, { message: 'port goes with path; put it into url instead' })
          .optional(),
        prometheus: z
          .object({
            url: z.string().url(),
            query: z.string().min(1),
            max: z.number().optional(),
            min: z.number().optional(),
            /**
             * While the query returns no sample (Prometheus has not yet discovered or scraped the
             * new version's pods: its discovery alone batches changes for 5 s), ask again each
             * second for this long; then no sample fails the gate.
             */
            noDataTimeout: duration.default('30s'),
          })
          .strict()
          .refine((p) => p.max !== undefined || p.min !== undefined, { message: 'needs max or min, the threshold the query result must keep' })
          .optional(),
        /** Share of the new version's requests answered without 5xx, from the data plane's metrics. */
        successRate: successRateGate.optional(),
        /** p99 of the new version's requests, from the data plane's metrics. */
        latency: latencyGate.optional(),
      })
      .strict()
      .default({}),
    lease: z.object({ duration: duration.default('30s') }).strict().default({ duration: '30s' }),
    /** Synthetic requests sent during each step, for clusters without users. */
    load: loadSection.optional(),
  })
  .strict();

export type RolloutConfig = z.output<typeof rolloutSection>;

/** Fields of the host-network era, with what replaces them. */
function retiredFields(raw: unknown): { path: string; message: string }[] {
  const r = (raw ?? {}) as { workload?: Record<string, unknown>; gates?: { http?: { url?: unknown } } };
  const issues: { path: string; message: string }[] = [];
  if (r.workload && 'hostNetwork' in r.workload) {
    issues.push({ path: 'rollout.workload.hostNetwork', message: 'no longer exists: versions run on the pod network, each on its ordinary container port; drop it' });
  }
  if (typeof r.gates?.http?.url === 'string' && r.gates.http.url.includes('{port}')) {
    issues.push({ path: 'rollout.gates.http.url', message: 'the {port} placeholder no longer exists: use path (e.g. path: /healthz), probed on each pod of the new version' });
  }
  if (r.workload && Array.isArray(r.workload.command) && r.workload.command.some((a) => typeof a === 'string' && a.includes('{port}'))) {
    issues.push({ path: 'rollout.workload.command', message: 'the {port} placeholder no longer exists: listen on rollout.workload.port' });
  }
  return issues;
}

export function rolloutConfig(loaded: LoadedConfig): RolloutConfig {
  const retired = retiredFields(loaded.raw.rollout);
  if (retired.length > 0) throw invalidConfig(loaded.file, retired, 'see the rollout section in README.md');
  const parsed = rolloutSection.safeParse(loaded.raw.rollout ?? {});
  if (!parsed.success) throw invalidConfig(loaded.file, zodIssues(parsed.error, 'rollout'), 'see the rollout section in README.md');
  return parsed.data;
}

/** `--steps 10,25,50,100` → [10, 25, 50, 100], checked like rollout.steps. */
export function parseSteps(text: string): number[] {
  const steps = text.split(',').map((s) => s.trim());
  const numbers = steps.map(Number);
  const bad = steps.find((s, i) => !/^\d+$/.test(s) || numbers[i]! < 1 || numbers[i]! > 100);
  if (bad !== undefined) throw new InputError(`--steps ${text}: ${JSON.stringify(bad)} is not a whole percentage between 1 and 100`, { hint: 'e.g. --steps 10,25,50,100' });
  const down = numbers.findIndex((w, i) => i > 0 && w <= numbers[i - 1]!);
  if (down > 0) throw new InputError(`--steps ${text}: ${numbers[down]} after ${numbers[down - 1]}; steps must increase`, { hint: 'e.g. --steps 10,25,50,100' });
  return numbers;
}

export function ms(duration: string): number {
  return durationMs(duration) ?? 0;
}
