// Image references, the one parser every caller uses: "host:port/repo:tag@sha256:…" split,
// checked, formatted and pinned by digest. Docker Hub's names are one registry however
// they are written (busybox, library/busybox, docker.io/…, index.docker.io/…).
import { InputError } from '../errors.js';

export interface ImageRef {
  /** Registry host[:port]; undefined for Docker Hub. */
  registry?: string;
  /** The path in the registry; Docker Hub's one-part names under library/. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** A reference as written, split before any check: the name (host and path), tag and digest. */
export interface WrittenRef {
  name: string;
  tag?: string;
  digest?: string;
}

const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;
const hubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
/** How Docker Hub is named in messages, where its registry API answers, and the key of its credentials in Docker's config. */
export const dockerHub = { host: 'docker.io', apiHost: 'registry-1.docker.io', credentialKey: 'index.docker.io' } as const;

/** Splits a reference as written; nothing is checked (a digest is whatever follows the @). */
export function splitImageRef(text: string): WrittenRef {
  const at = text.indexOf('@');
  const digest = at === -1 ? undefined : text.slice(at + 1);
  const rest = at === -1 ? text : text.slice(0, at);
  const colon = rest.lastIndexOf(':');
  const tagged = colon > rest.lastIndexOf('/') && colon < rest.length - 1;
  return { name: tagged ? rest.slice(0, colon) : rest, tag: tagged ? rest.slice(colon + 1) : undefined, digest };
}

/** Parses a reference; undefined if it is not one. */
export function parseImageRef(text: string): ImageRef | undefined {
  const trimmed = text.trim();
  const written = splitImageRef(trimmed);
  if (written.digest !== undefined && !digestPattern.test(written.digest)) return undefined;
  const rest = trimmed.split('@')[0]!;
  if (written.tag === undefined && rest.lastIndexOf(':') > rest.lastIndexOf('/')) return undefined;
  if (written.tag !== undefined && !tagPattern.test(written.tag)) return undefined;
  const parts = written.name.split('/');
  let registry: string | undefined;
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) registry = parts.shift();
  if (parts.length === 0 || !parts.every((p) => component.test(p))) return undefined;
  if (registry && hubHosts.has(registry)) registry = undefined;
  let repository = parts.join('/');
  if (!registry && parts.length === 1) repository = `library/${repository}`;
  return { registry, repository, tag: written.tag, digest: written.digest };
}

/** "modco/link:20240126" as given to --image: a repository and a tag, no registry needed. */
export function parseImageName(name: string, where: string): ImageRef & { tag: string } {
  const ref = parseImageRef(name);
  if (!ref || ref.digest || !ref.tag) {
    throw new InputError(`${where}: "${name}" is not an image name of the form REPOSITORY:TAG`, {
      hint: 'e.g. --image modco/link:20240126 (lowercase repository path, a tag after the colon)',
    });
  }
  return { ...ref, tag: ref.tag };
}

/** The repository as written in the name the user gave ("modco/link", not "library/…" for one-part names). */
export function plainRepository(ref: ImageRef): string {
  return !ref.registry && ref.repository.startsWith('library/') ? ref.repository.slice('library/'.length) : ref.repository;
}

/** The shortest reference that names the same image: `busybox:1`, `127.0.0.1:5000/modco/link@sha256:…`. */
export function formatImageRef(ref: ImageRef): string {
  const name = ref.registry ? `${ref.registry}/${ref.repository}` : plainRepository(ref);
  return `${name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The registry host of a reference or repository: Docker Hub's whatever alias was written. */
export function registryHost(ref: ImageRef): string {
  return ref.registry ?? dockerHub.host;
}

/** The image as written, pinned to `digest` (the tag dropped): `repo:tag` → `repo@sha256:…`. */
export function pinnedByDigest(image: string, digest: string): string {
  return `${splitImageRef(image).name}@${digest}`;
}

/** The digest a reference (or a pod's imageID, `docker-pullable://repo@sha256:…`) pins, when it pins one. */
export function pinnedDigest(image: string): string | undefined {
  const { digest } = splitImageRef(image);
  return digest !== undefined && digestPattern.test(digest) ? digest : undefined;
}

/** A repository (no tag) as its registry host and path, the way Docker reads it: `busybox` → docker.io, library/busybox. */
export function splitRepository(repository: string): { host: string; path: string } {
  const ref = parseImageRef(repository);
  if (ref) return { host: registryHost(ref), path: ref.repository };
  // Not a valid reference (config validation refuses those first): split it as written.
  const slash = repository.indexOf('/');
  return slash === -1 ? { host: dockerHub.host, path: `library/${repository}` } : { host: repository.slice(0, slash), path: repository.slice(slash + 1) };
}

/** The host the registry API answers on (Docker Hub's API lives elsewhere). */
export function registryApiHost(host: string): string {
  return hubHosts.has(host) ? dockerHub.apiHost : host;
}

/** The key Docker's config keeps a registry's credentials under (Docker Hub's is its v1 index). */
export function credentialKey(host: string): string {
  return hubHosts.has(host) ? dockerHub.credentialKey : host;
}

/** A DNS label for a version: `20240126.1` → `v20240126-1`. */
export function subsetFor(version: string): string {
  let name = version.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(name)) name = `v${name}`;
  return name.slice(0, 63).replace(/-+$/, '');
}

/** The subset (version label) an image's tag names: `…/link:20240126.1` → `v20240126-1`; undefined without a tag. */
export function subsetOfImage(image: string): string | undefined {
  const { tag } = splitImageRef(image);
  return tag === undefined ? undefined : subsetFor(tag);
}
