// Pure image-reference handling: parsing "host:port/repo:tag@sha256:…" and naming images.
import { InputError } from '../errors.js';

export interface ImageRef {
  /** Registry host[:port]; undefined for Docker Hub short names. */
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const hubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Parses a reference; undefined if it is not one. */
export function parseImageRef(ref: string): ImageRef | undefined {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) return undefined;
  }
  const parts = rest.split('/');
  let registry: string | undefined;
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) registry = parts.shift();
  if (parts.length === 0 || !parts.every((p) => component.test(p))) return undefined;
  if (registry && hubHosts.has(registry)) registry = undefined;
  let repository = parts.join('/');
  if (!registry && parts.length === 1) repository = `library/${repository}`;
  return { registry, repository, tag, digest };
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
