// The shipline.yaml schema for the build, output, cache, attestation and cluster
// sections. The routing section has its own schema in manifests/intent.ts.
import * as z from 'zod';

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
    repository: imageRepository.meta({ description: 'Where the image is pushed: registry host (optional) and path, lowercase, without a tag.', examples: ['ghcr.io/acme/link'] }),
    dockerfile: z.string().min(1).default('Dockerfile.musl').describe('The Dockerfile, relative to shipline.yaml.'),
    context: z.string().min(1).default('.').describe('The build context folder, relative to shipline.yaml.'),
    platforms: z.array(platform).min(1).default(['linux/amd64', 'linux/arm64']).describe('Platforms built into one multi-arch image (os/arch[/variant]).'),
    tag: tagSpec.default('date').describe('date: YYYYMMDD in UTC (then .1, .2 … when taken); semver: from the git tag (v1.2.3 → 1.2.3); or a literal tag.'),
    timezone: z.string().meta({ description: 'IANA time zone of date tags (default UTC).', examples: ['Europe/Berlin'] }).optional(),
    buildArgs: z.record(z.string(), z.string()).default({}).meta({ description: 'docker build --build-arg values; {tag} is replaced by the image tag.', examples: [{ VERSION: '{tag}' }] }),
    labels: z.record(z.string(), z.string()).default({}).meta({ description: 'Extra image labels; org.opencontainers.image.{version,revision,created,source} are added.', examples: [{ 'org.opencontainers.image.vendor': 'Acme' }] }),
    source: z.string().meta({ description: 'org.opencontainers.image.source label (default: the git remote of the checkout).', examples: ['https://github.com/acme/link'] }).optional(),
  })
  .strict()
  .meta({ description: 'The image: what is built, for which platforms, and how it is tagged.', examples: [{ repository: 'ghcr.io/acme/link', dockerfile: 'Dockerfile', tag: 'semver' }] });

export const builderNode = z
  .object({
    endpoint: z.string().regex(/^(tcp|unix|ssh|docker-container|kube-pod):\/\/.+/, 'must be an endpoint such as tcp://arm-host:1234').meta({ description: 'The BuildKit daemon of this node.', examples: ['tcp://arm-host:1234'] }),
    platforms: z.array(platform).min(1).meta({ description: 'Platforms this node builds natively.', examples: [['linux/arm64']] }),
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/).meta({ description: 'The node name in the buildx builder (default: derived from the endpoint).', examples: ['arm0'] }).optional(),
  })
  .strict();

export const builderSection = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'must be a buildx builder name').default('shipline-local').describe('The docker buildx builder to build with.'),
    nodes: z.array(builderNode).default([]).meta({ description: 'Remote BuildKit nodes, one per platform, so each platform builds natively; empty: the builder as it is.', examples: [[{ endpoint: 'tcp://arm-host:1234', platforms: ['linux/arm64'] }]] }),
  })
  .strict();

export const outputSection = z
  .object({
    push: z.boolean().default(true).describe('Push the image to image.repository.'),
    oci: z.string().min(1).meta({ description: 'Also write an OCI image-layout tarball here ({tag} is replaced), for air-gapped installs.', examples: ['link_{tag}.tar'] }).optional(),
    combine: z.enum(['auto', 'always', 'never']).default('auto').describe('Push and OCI tarball in one build: auto when buildx and BuildKit are 0.13 or newer, always, or never (two builds). With attestations the tarball is written from the pushed index instead.'),
  })
  .strict();

export const cacheSection = z
  .object({
    from: z.array(z.string().min(1)).default([]).meta({ description: 'docker buildx --cache-from specs.', examples: [['type=registry,ref=ghcr.io/acme/link:cache']] }),
    to: z.array(z.string().min(1)).default([]).meta({ description: 'docker buildx --cache-to specs.', examples: [['type=registry,ref=ghcr.io/acme/link:cache,mode=max']] }),
  })
  .strict();

export const attestSection = z
  .object({
    provenance: z.boolean().default(false).describe('Attach a SLSA provenance attestation to the image.'),
    sbom: z.boolean().default(false).describe('Attach an SBOM attestation to the image.'),
    scanner: z.string().min(1).meta({
      description: "The SBOM generator image that BuildKit runs (its scanner protocol); default: BuildKit's own, docker/buildkit-syft-scanner.",
      examples: ['registry.example.com/tools/buildkit-syft-scanner:1'],
    }).optional(),
  })
  .strict();

export const clusterSection = z
  .object({
    context: z.string().min(1).meta({ description: 'The only kube context shipline may change; every other context is refused (exit 3).', examples: ['prod-eu'] }).optional(),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label').default('default').describe('Namespace for objects that name none.'),
    kubeconfig: z.string().min(1).meta({ description: 'The kubeconfig file (default: --kubeconfig, KUBECONFIG, ~/.kube/config).', examples: ['~/.kube/prod.yaml'] }).optional(),
    fieldManager: z.string().min(1).default('shipline').describe('The field manager of server-side apply.'),
  })
  .strict();

export const buildConfigSchema = z
  .object({
    image: imageSection,
    builder: builderSection.default({ name: 'shipline-local', nodes: [] }).describe('The buildx builder, or one remote BuildKit node per platform.'),
    output: outputSection.default({ push: true, combine: 'auto' }).describe('Where the built image goes: the registry and/or an OCI tarball.'),
    cache: cacheSection.default({ from: [], to: [] }).describe('Build cache imports and exports.'),
    attest: attestSection.default({ provenance: false, sbom: false }).describe('Attestations attached to the image.'),
    cluster: clusterSection.default({ namespace: 'default', fieldManager: 'shipline' }).describe('The Kubernetes cluster releases go to.'),
    // Validated by its own schema (manifests/intent.ts) in a later layer.
    routing: z.unknown().optional(),
    rollout: z.unknown().optional(),
  })
  .strict();

export type BuildConfig = z.infer<typeof buildConfigSchema>;
export type ImageConfig = BuildConfig['image'];
