// The one door to OCI distribution registries; the client lives in ./registry/.
export { RegistryClient, type FetchedManifest, type RegistryClientOptions } from './registry/client.js';
export { readDockerCredentials, dockerConfigPath, type Credentials } from './registry/credentials.js';
export { RegistryAuthError } from './registry/auth.js';
export { BlobMismatchError } from './registry/digest-check.js';
export { defaultRetry, type RetryPolicy } from './registry/retry.js';
export {
  isDigest,
  isIndexMediaType,
  isManifestMediaType,
  mediaTypes,
  platformString,
  sha256,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from './registry/types.js';
