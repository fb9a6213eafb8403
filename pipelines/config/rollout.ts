// The `rollout` section of shipline.yaml: how a new version is deployed and shifted to.
import * as z from 'zod';
import { durationPattern, durationMs } from '../model/duration.js';
import type { LoadedConfig } from './load.js';
import { invalidConfig, zodIssues } from '../model/config-issues.js';
import { InputError } from '../errors.js';
import { latencyGate, loadSection, successRateGate } from './rollout-analysis.js';

const duration = z.string().regex(durationPattern, 'must be a duration such as 30s, 500ms or 5m');
const percentStep = z.number().int('must be a whole number').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100');

export const rolloutSection = z
  .object({
    strategy: z.enum(['canary', 'mirror', 'header', 'subset']).default('canary').describe('How the new version gets traffic: canary (weighted steps), mirror (copies), header (one user group), subset (by header version).'),
    steps: z
      .array(percentStep)
      .min(1)
      .refine((steps) => steps.every((w, i) => i === 0 || w > steps[i - 1]!), { message: 'must increase step by step, e.g. [10, 25, 50, 100]' })
      .default([10, 25, 50, 100])
      .describe('Canary weights of the new version in percent, in order; the last one is usually 100.'),
    pause: duration.default('30s').describe('Wait after each step before the gates judge it.'),
    autoPromote: z.boolean().default(true).describe('Promote by itself once a canary reaches its last step at 100% with every gate passing.'),
    mirrorPercent: z.number().min(0).max(100).default(50).describe('mirror strategy: share of requests copied to the new version.'),
    header: z
      .object({
        name: z.string().regex(/^[a-z0-9-]+$/, 'must be a lowercase header name').meta({ description: 'The request header (lowercase).', examples: ['user'] }),
        value: z.string().min(1).meta({ description: 'Its value that selects the new version.', examples: ['premium-user'] }),
      })
      .strict()
      .default({ name: 'user', value: 'premium-user' })
      .describe('header strategy: requests with this header go to the new version.'),
    availableTimeout: duration.default('5m').describe('How long the new version may take to become available.'),
    acceptTimeout: duration.default('30s').describe('How long the routing implementation may take to accept a route change (Gateway API).'),
    implementationSpecific: z
      .boolean()
      .default(false)
      .describe("Allow the implementation's own objects where the standard lacks a feature: Traefik's TraefikService mirroring for the mirror strategy."),
    workload: z
      .object({
        manifests: z
          .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
          .meta({
            description: "The service's own manifests: files or folders (a folder with a kustomization.yaml is rendered with kubectl kustomize), relative to shipline.yaml. Without them shipline generates a Deployment.",
            examples: [['deploy/link.yaml']],
          })
          .transform((m) => (typeof m === 'string' ? [m] : m))
          .optional(),
        deployment: z.string().min(1).meta({ description: "The service's Deployment in the manifests (default: the only one).", examples: ['link'] }).optional(),
        container: z.string().min(1).meta({ description: 'The container whose image each version replaces (default: the first).', examples: ['link'] }).optional(),
        replicas: z.number().int().min(1).default(1).describe('Generated Deployment only: replicas of each version.'),
        port: z.number().int().min(1).max(65535).default(8080).describe('Generated Deployment only: the container port.'),
        terminationGracePeriodSeconds: z.number().int().min(0).default(30).describe('Generated Deployment only: the pod termination grace period.'),
        command: z.array(z.string()).meta({ description: "Generated Deployment only: the container command (default: the image's entrypoint).", examples: [['/bin/link', '--port', '8080']] }).optional(),
      })
      .strict()
      .refine((w) => w.manifests !== undefined || (w.deployment === undefined && w.container === undefined), {
        message: 'deployment and container name parts of rollout.workload.manifests; add manifests or drop them',
      })
      .default({ replicas: 1, port: 8080, terminationGracePeriodSeconds: 30 })
      .meta({ description: 'How each version runs: your own manifests, or a Deployment shipline generates.', examples: [{ manifests: ['deploy/link.yaml'], deployment: 'link' }] }),
    gates: z
      .object({
        http: z
          .object({
            path: z.string().startsWith('/', 'must start with /').meta({ description: 'Probed on every ready pod of the new version at http://<pod address>:<port><path>.', examples: ['/healthz'] }).optional(),
            port: z.number().int().min(1).max(65535).meta({ description: "With path: the port probed (default: the workload's container port).", examples: [8080] }).optional(),
            url: z.string().url().meta({ description: 'Instead of path: one fixed URL.', examples: ['https://link.example.com/healthz'] }).optional(),
            timeout: duration.default('5s').describe('Time limit of each probe.'),
          })
          .strict()
          .refine((h) => (h.path === undefined) !== (h.url === undefined), { message: 'needs either path (probed on each pod of the new version) or url, not both' })
          .refine((h) => h.url === undefined || h.port === undefined, { message: 'port goes with path; put it into url instead' })
          .meta({ description: '2xx from every ready pod of the new version (path), or from one fixed url.', examples: [{ path: '/healthz', timeout: '5s' }] })
          .optional(),
        prometheus: z
          .object({
            url: z.string().url().meta({ description: 'The Prometheus to ask.', examples: ['http://prometheus.monitoring:9090'] }),
            query: z.string().min(1).meta({ description: 'A PromQL query returning one number.', examples: ['sum(rate(errors_total[1m]))'] }),
            max: z.number().meta({ description: 'The result must stay at or below this.', examples: [0.05] }).optional(),
            min: z.number().meta({ description: 'The result must stay at or above this.', examples: [0.99] }).optional(),
            // Prometheus discovery alone batches new pods for 5 s.
            noDataTimeout: duration.default('30s').describe('While the query returns no sample (the new pods not scraped yet), ask again each second for this long; then no sample fails the gate.'),
          })
          .strict()
          .refine((p) => p.max !== undefined || p.min !== undefined, { message: 'needs max or min, the threshold the query result must keep' })
          .meta({ description: 'A PromQL query whose result must stay within max and/or min.', examples: [{ url: 'http://prometheus.monitoring:9090', query: 'sum(rate(errors_total[1m]))', max: 0.05 }] })
          .optional(),
        successRate: successRateGate
          .meta({ description: "Share of the new version's requests answered without 5xx, from the data plane's metrics.", examples: [{ min: 99, minRequests: 20 }] })
          .optional(),
        latency: latencyGate.meta({ description: "p99 of the new version's requests, from the data plane's metrics.", examples: [{ max: '500ms' }] }).optional(),
      })
      .strict()
      .default({})
      .describe('Checks that judge each step; a failing gate aborts the rollout.'),
    keepVersions: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1 (the stable version)')
      .default(2)
      .describe("Versions whose Deployments, Services and autoscalers stay after a promotion: the stable one and those before it. Older ones shipline created are deleted; their release records stay, so a rollback rebuilds them by digest."),
    lease: z
      .object({ duration: duration.default('30s').describe('How long a lease lasts without renewal; a crashed rollout frees its route after this.') })
      .strict()
      .default({ duration: '30s' })
      .describe('The per-route lock a rollout holds, so two rollouts never shift one route.'),
    load: loadSection
      .meta({ description: 'Synthetic requests sent during each step, for clusters without users.', examples: [{ url: 'http://gateway.example.com/', headers: { host: 'link.example.com' }, rate: 50 }] })
      .optional(),
  })
  .strict()
  .meta({ description: 'Rollout: how a new version is deployed, shifted to, judged and recorded.', examples: [{ strategy: 'canary', steps: [10, 50, 100], gates: { http: { path: '/healthz' } } }] });

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
  if (retired.length > 0) throw invalidConfig(loaded.file, retired, 'see the rollout section in README.md', loaded.positions);
  const parsed = rolloutSection.safeParse(loaded.raw.rollout ?? {});
  if (!parsed.success) throw invalidConfig(loaded.file, zodIssues(parsed.error, 'rollout'), 'see the rollout section in README.md', loaded.positions);
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
