// The shipline.yaml schema for the build, output, cache, attestation and cluster
// sections. The routing section has its own schema in manifests/intent.ts.
import { z } from 'zod';

export const platform = z
  .string()
  .regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, 'must look like os/arch[/variant], e.g. linux/arm64');

export const imageRepository = z
  .string()
  .regex(
    /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
    'must be an image repository such as modco/link or 127.0.0.1:5000/modco/link (lowercase, no tag)',
  );

/** A literal OCI tag, as the distribution spec allows it. */
export const literalTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be date, semver, or a literal tag of [A-Za-z0-9_.-], at most 128 characters');

export const tagSpec = z.union([z.literal('date'), z.literal('semver'), literalTag]);

export const imageSection = z
  .object({
    repository: imageRepository,
    dockerfile: z.string().min(1).default('Dockerfile.musl'),
    context: z.string().min(1).default('.'),
    platforms: z.array(platform).min(1).default(['linux/amd64', 'linux/arm64']),
    tag: tagSpec.default('date'),
    timezone: z.string().optional(),
    buildArgs: z.record(z.string(), z.string()).default({}),
    labels: z.record(z.string(), z.string()).default({}),
    source: z.string().optional(),
  })
  .strict();

export const builderNode = z
  .object({
    endpoint: z.string().regex(/^(tcp|unix|ssh|docker-container|kube-pod):\/\/.+/, 'must be an endpoint such as tcp://arm-host:1234'),
    platforms: z.array(platform).min(1),
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/).optional(),
  })
  .strict();

export const builderSection = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'must be a buildx builder name').default('shipline-local'),
    nodes: z.array(builderNode).default([]),
  })
  .strict();

export const outputSection = z
  .object({
    push: z.boolean().default(true),
    oci: z.string().min(1).optional(),
    /** auto: one build with both exporters when the builder supports it. */
    combine: z.enum(['auto', 'always', 'never']).default('auto'),
  })
  .strict();

export const cacheSection = z
  .object({ from: z.array(z.string().min(1)).default([]), to: z.array(z.string().min(1)).default([]) })
  .strict();

export const attestSection = z
  .object({ provenance: z.boolean().default(false), sbom: z.boolean().default(false) })
  .strict();

export const clusterSection = z
  .object({
    context: z.string().min(1).optional(),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label').default('default'),
    kubeconfig: z.string().min(1).optional(),
    fieldManager: z.string().min(1).default('shipline'),
  })
  .strict();

export const buildConfigSchema = z
  .object({
    image: imageSection,
    builder: builderSection.default({ name: 'shipline-local', nodes: [] }),
    output: outputSection.default({ push: true, combine: 'auto' }),
    cache: cacheSection.default({ from: [], to: [] }),
    attest: attestSection.default({ provenance: false, sbom: false }),
    cluster: clusterSection.default({ namespace: 'default', fieldManager: 'shipline' }),
    // Validated by its own schema (manifests/intent.ts) in a later layer.
    routing: z.unknown().optional(),
    rollout: z.unknown().optional(),
  })
  .strict();

export type BuildConfig = z.infer<typeof buildConfigSchema>;
export type ImageConfig = BuildConfig['image'];
