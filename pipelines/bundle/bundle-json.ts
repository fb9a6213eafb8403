// bundle.json: what a bundle holds, checked with one schema when it is read.
// zod's mini build: an import loads zod's core (170 KB) without the chained API on top.
import * as z from 'zod/mini';
import { InputError } from '../errors.js';

// A CLI parses each document once: compiling a parser for it first costs more than it saves.
z.config({ jitless: true });

const digest = z.string().check(z.regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256:<64 hex digits>'));
const nonEmpty = z.string().check(z.minLength(1));
const size = z.int().check(z.nonnegative());
const bundlePath = z.string().check(z.minLength(1), z.refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the bundle'));

export const bundleJsonSchema = z.object({
  schemaVersion: z.literal(1),
  kind: z.literal('shipline-bundle'),
  tool: z.object({ name: z.literal('shipline'), version: nonEmpty }),
  /** The OCI image layout inside the bundle, shared by every image. */
  layout: bundlePath,
  images: z.array(
    z.object({
      name: nonEmpty,
      repository: nonEmpty,
      tag: nonEmpty,
      digest,
      mediaType: nonEmpty,
      size,
      platforms: z.array(z.object({ platform: z.string(), digest, mediaType: z.string(), size })),
      dockerArchives: z._default(z.array(z.object({ platform: z.string(), path: bundlePath })), []),
    }),
  ).check(z.minLength(1)),
  manifests: z.array(bundlePath),
  routingApiVersions: z.array(z.string()),
  files: z.record(bundlePath, z.object({ sha256: digest, size })),
  /** Who signed it: sha256 of the signing key's public half (DER SubjectPublicKeyInfo). */
  signer: z.optional(z.object({ keyFingerprint: digest, algorithm: z.literal('ecdsa-p256-sha256') })),
  /**
   * A differential bundle leaves out blobs an earlier bundle (or the site's registry) holds;
   * import checks the target registry has each of them before pushing anything.
   */
  base: z.optional(
    z.object({
      /** The earlier bundle's file name and the sha256 of its bundle.json, or the registry listed. */
      bundle: z.optional(nonEmpty),
      bundleJsonSha256: z.optional(digest),
      registry: z.optional(nonEmpty),
      blobs: z.array(z.object({ digest, size })),
    }),
  ),
});

export type BundleJson = z.infer<typeof bundleJsonSchema>;
export type BundleImage = BundleJson['images'][number];

export { bundleJsonName } from './names.js';
import { bundleJsonName } from './names.js';

export function parseBundleJson(raw: Buffer, where: string): BundleJson {
  let data: unknown;
  try {
    data = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new InputError(`${where}: ${bundleJsonName} is not valid JSON: ${(error as Error).message}`, { hint: 'recreate the bundle with `shipline bundle create`' });
  }
  const result = z.safeParse(bundleJsonSchema, data);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${bundleJsonName}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InputError(`${where}: invalid ${bundleJsonName}\n  ${issues.join('\n  ')}`, { hint: 'recreate the bundle with `shipline bundle create`' });
  }
  return result.data;
}

/** Stable, readable serialisation (keys in schema order, two-space indent, final newline). */
export function serializeBundleJson(bundle: BundleJson): Buffer {
  const files = Object.fromEntries(Object.entries(bundle.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Buffer.from(`${JSON.stringify({ ...bundle, files }, null, 2)}\n`);
}
