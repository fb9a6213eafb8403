import { describe, expect, it } from 'vitest';
import { keptManifests } from '../../pipelines/rollout/run.js';
import type { StoredRelease } from '../../pipelines/rollout/history.js';

const release = { revision: 1, route: 'r', subset: 'v1', image: 'x@sha256:0', strategy: 'canary', state: 'promoted' as const, step: 0, stepLabel: '100% v1', port: 8080, createdAt: '', updatedAt: '' };

describe('the manifests a release kept', () => {
  it('are read back as the objects that were applied, in order', () => {
    const stored: StoredRelease = {
      release,
      manifests: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: r-v1\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\nspec:\n  hosts: [old.example.com]\n',
    };
    expect(keptManifests(stored)?.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/r-v1', 'VirtualService/r']);
    expect((keptManifests(stored)![1]!.spec as { hosts: string[] }).hosts).toEqual(['old.example.com']);
  });

  it('none kept (or unreadable): undefined, so rollback renders instead', () => {
    expect(keptManifests({ release, manifests: '' })).toBeUndefined();
    expect(keptManifests({ release, manifests: '---\n' })).toBeUndefined();
  });
});
