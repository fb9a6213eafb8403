// Pure parts of the registry client: challenges, Docker config credentials, backoff, and the
// streaming digest check that holds back a mismatching blob's last bytes.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { parseChallenge } from '../../pipelines/adapters/registry/auth.js';
import { credentialsFromDockerConfig, registryKey } from '../../pipelines/adapters/registry/credentials.js';
import { BlobMismatchError, DigestCheck } from '../../pipelines/adapters/registry/digest-check.js';
import { backoffDelay } from '../../pipelines/adapters/registry/retry.js';
import { sha256 } from '../../pipelines/adapters/registry.js';

describe('WWW-Authenticate challenges', () => {
  it('parses Bearer parameters with quoted commas and several scopes', () => {
    expect(parseChallenge('Bearer realm="https://auth.site/token",service="registry.site",scope="repository:a/b:pull,push repository:c:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.site/token', service: 'registry.site', scope: 'repository:a/b:pull,push repository:c:pull' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', params: { realm: 'Registry Realm' } });
    expect(parseChallenge(undefined)).toBeUndefined();
  });
});

describe('Docker config credentials', () => {
  const auth = Buffer.from('shipper:pa:ss').toString('base64');
  it('finds auths by host whatever scheme or path the key has, and splits at the first colon', () => {
    expect(registryKey('https://Registry.Site:5000/v1/')).toBe('registry.site:5000');
    expect(credentialsFromDockerConfig({ auths: { 'https://registry.site:5000/v1/': { auth } } }, 'registry.site:5000', 'c.json')).toEqual({ username: 'shipper', password: 'pa:ss' });
    expect(credentialsFromDockerConfig({ auths: {} }, 'registry.site', 'c.json')).toBeUndefined();
  });
  it('says which entry is broken without echoing it', () => {
    const broken = Buffer.from('no-colon-secret').toString('base64');
    expect(() => credentialsFromDockerConfig({ auths: { 'r.site': { auth: broken } } }, 'r.site', 'c.json')).toThrow(/c\.json: auths\["r\.site"\]\.auth is not base64/);
    try {
      credentialsFromDockerConfig({ auths: { 'r.site': { auth: broken } } }, 'r.site', 'c.json');
    } catch (error) {
      expect(String(error)).not.toContain('no-colon-secret');
      expect(String(error)).not.toContain(broken);
    }
  });
});

describe('retries', () => {
  it('backs off exponentially up to a cap, with jitter in the upper half', () => {
    const policy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 1000 };
    expect([1, 2, 3, 4].map((a) => backoffDelay(policy, a, () => 1))).toEqual([200, 400, 800, 1000]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(policy, a, () => 0))).toEqual([100, 200, 400, 500]);
    const spread = new Set(Array.from({ length: 20 }, () => backoffDelay(policy, 3)));
    expect(spread.size).toBeGreaterThan(1);
    for (const d of spread) {
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });
});

describe('digest check while streaming', () => {
  async function pass(data: Buffer, digest: string, size: number): Promise<{ received: number; error?: unknown }> {
    let received = 0;
    const sink = new Writable({ write: (c: Buffer, _e, cb) => ((received += c.length), cb()) });
    try {
      await pipeline(Readable.from([data.subarray(0, 10), data.subarray(10, 20), data.subarray(20)]), new DigestCheck(digest, size, 'x.tar: blob'), sink);
      return { received };
    } catch (error) {
      return { received, error };
    }
  }
  const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');

  it('passes a matching blob through whole', async () => {
    expect(await pass(data, sha256(data), data.length)).toEqual({ received: data.length });
  });
  it('never lets a mismatching blob through complete, and names it', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    const out = await pass(data, wrong, data.length);
    expect(out.received).toBeLessThan(data.length);
    expect(out.error).toBeInstanceOf(BlobMismatchError);
    expect(String(out.error)).toContain(`blob ${wrong} (x.tar: blob) does not match its digest`);
    expect((await pass(data, sha256(data), 99)).error).toBeInstanceOf(BlobMismatchError);
  });
});
