// Build preflight against a registry of our own behind htpasswd, with the credentials kept
// where Docker keeps them on machines with credential helpers (credsStore / credHelpers):
// shipline finds them as buildx would, and a tag list longer than a page is read whole.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { delimiter, join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { checkPushAccess } from '../../pipelines/build/registry-access.js';
import { PreconditionError } from '../../pipelines/errors.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';

const user = 'helper-user';
const password = 'helper-pass-MARKER';
let dir: string;
let secured: RegistryInstance;
let open: RegistryInstance;

function helperEnv(config: object, secret: string): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(dir, 'docker-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  const helper = join(home, 'docker-credential-shiptest');
  writeFileSync(helper, `#!/bin/sh\nread -r server\necho "{\\"ServerURL\\":\\"$server\\",\\"Username\\":\\"${user}\\",\\"Secret\\":\\"${secret}\\"}"\n`);
  chmodSync(helper, 0o755);
  return { ...process.env, DOCKER_CONFIG: home, PATH: `${home}${delimiter}${process.env.PATH}` };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-creds-'));
  writeFileSync(join(dir, 'htpasswd'), `${user}:${bcrypt.hashSync(password, 10)}\n`);
  secured = await RegistryInstance.start({ kind: 'htpasswd', file: join(dir, 'htpasswd') });
  open = await RegistryInstance.start();
});
afterAll(async () => {
  await secured?.stop();
  await open?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('push preflight with a credential helper', () => {
  it('credsStore: the helper\'s credentials are used and accepted', async () => {
    const target = await checkPushAccess(`${secured.address}/team/app`, helperEnv({ credsStore: 'shiptest', auths: { [secured.address]: {} } }, password));
    expect(target.credentialsFrom).toMatch(/^docker-credential-shiptest \(named in .*config\.json\)$/);
    expect(await target.client.tags('team/app')).toEqual([]);
  });

  it('credHelpers for the host: used, and a wrong secret is refused with exit 3 without printing it', async () => {
    const error = await checkPushAccess(`${secured.address}/team/app`, helperEnv({ credHelpers: { [secured.address]: 'shiptest' } }, 'wrong-MARKER')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as Error).message).toContain(`refused the credentials for user "${user}"`);
    expect((error as Error).message).toContain('(credentials from docker-credential-shiptest');
    expect(String(error)).not.toContain('MARKER');
  });
});

describe('tag lists longer than one page', () => {
  it('follows the registry\'s Link header until the last page', async () => {
    const client = new RegistryClient(open.address);
    const config = Buffer.from('{}');
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    await client.uploadBlob('team/paged', { digest: configDigest, size: config.length }, () => Readable.from([config]), 'test config');
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length }, layers: [] }));
    const tags = Array.from({ length: 7 }, (_, i) => `20240126.${i}`);
    for (const tag of tags) await client.putManifest('team/paged', tag, 'application/vnd.oci.image.manifest.v1+json', manifest);
    expect((await client.tags('team/paged', 3)).sort()).toEqual([...tags].sort());
  });
});
