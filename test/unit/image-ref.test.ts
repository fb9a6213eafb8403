// The one image-reference parser (pipelines/model/image-ref.ts): Docker Hub's aliases,
// registry ports, tags and digests give the same answer to every caller.
import { describe, expect, it } from 'vitest';
import {
  credentialKey,
  formatImageRef,
  parseImageRef,
  pinnedByDigest,
  pinnedDigest,
  plainRepository,
  registryApiHost,
  registryHost,
  splitImageRef,
  splitRepository,
  subsetOfImage,
} from '../../pipelines/model/image-ref.js';
import { pinnedImage } from '../../pipelines/rollout/adopt.js';
import { imageRepository } from '../../pipelines/rollout/init-from.js';
import { replaceableImage } from '../../pipelines/rollout/template.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it('reads every spelling of a Docker Hub image as one registry and repository', () => {
    const spellings = ['busybox:1.36', 'library/busybox:1.36', 'docker.io/busybox:1.36', 'docker.io/library/busybox:1.36', 'index.docker.io/library/busybox:1.36', 'registry-1.docker.io/busybox:1.36'];
    for (const spelling of spellings) {
      const ref = parseImageRef(spelling)!;
      expect(ref, spelling).toEqual({ registry: undefined, repository: 'library/busybox', tag: '1.36', digest: undefined });
      expect(registryHost(ref)).toBe('docker.io');
      expect(formatImageRef(ref)).toBe('busybox:1.36');
    }
    expect(plainRepository(parseImageRef('docker.io/modco/link')!)).toBe('modco/link');
    for (const repository of ['busybox', 'docker.io/busybox', 'index.docker.io/library/busybox']) {
      expect(splitRepository(repository), repository).toEqual({ host: 'docker.io', path: 'library/busybox' });
    }
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      expect(registryApiHost(host)).toBe('registry-1.docker.io');
      expect(credentialKey(host)).toBe('index.docker.io');
    }
    expect(registryApiHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });

  it('tells a registry port from a tag', () => {
    expect(parseImageRef('127.0.0.1:5000/modco/link')).toEqual({ registry: '127.0.0.1:5000', repository: 'modco/link', tag: undefined, digest: undefined });
    expect(parseImageRef('localhost:5000/link:1.2')).toMatchObject({ registry: 'localhost:5000', repository: 'link', tag: '1.2' });
    expect(parseImageRef('localhost/link')).toMatchObject({ registry: 'localhost', repository: 'link' });
    expect(splitImageRef('host:5000/a/b')).toEqual({ name: 'host:5000/a/b', tag: undefined, digest: undefined });
    expect(splitRepository('127.0.0.1:5000/modco/link')).toEqual({ host: '127.0.0.1:5000', path: 'modco/link' });
    expect(imageRepository('host:5000/a/b:7')).toBe('host:5000/a/b');
  });

  it('keeps a tag and a digest together, and pins by digest', () => {
    const both = `127.0.0.1:5000/modco/link:1.2@${digest}`;
    expect(parseImageRef(both)).toEqual({ registry: '127.0.0.1:5000', repository: 'modco/link', tag: '1.2', digest });
    expect(formatImageRef(parseImageRef(both)!)).toBe(both);
    expect(pinnedDigest(both)).toBe(digest);
    expect(pinnedDigest('127.0.0.1:5000/modco/link:1.2')).toBeUndefined();
    expect(pinnedDigest(`docker-pullable://busybox@${digest}`)).toBe(digest);
    expect(pinnedByDigest('127.0.0.1:5000/modco/link:1.2', digest)).toBe(`127.0.0.1:5000/modco/link@${digest}`);
    expect(pinnedImage('docker.io/library/nginx:1.25', `docker.io/library/nginx@${digest}`)).toBe(`docker.io/library/nginx@${digest}`);
    expect(imageRepository(both)).toBe('127.0.0.1:5000/modco/link');
    expect(subsetOfImage(both)).toBe('v1-2');
    expect(subsetOfImage(`127.0.0.1:5000/modco/link@${digest}`)).toBeUndefined();
    expect(subsetOfImage('localhost:5000/link')).toBeUndefined();
  });

  it('refuses what is not a reference', () => {
    for (const bad of ['', 'Modco/Link:1', 'link:', 'link@sha256:abc', `link@md5:${'a'.repeat(32)}`, 'a//b', 'link:-bad', '{{ .Values.image }}', '${IMAGE}', 'repo:$(TAG)']) {
      expect(parseImageRef(bad), bad).toBeUndefined();
      expect(replaceableImage(bad), bad).toBe(false);
    }
    expect(replaceableImage('127.0.0.1:5000/modco/link:latest')).toBe(true);
    expect(replaceableImage(42)).toBe(false);
  });
});
