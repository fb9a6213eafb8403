// The Docker config's credential sources, in Docker's order: credHelpers for the host, then
// credsStore, then auths (auth, username/password, identitytoken).
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialHelperFor, credentialsFromDockerConfig, readDockerCredentials } from '../../pipelines/adapters/registry/credentials.js';

describe('which source holds the credentials', () => {
  it('credHelpers for the host win over credsStore; credsStore serves every other host', () => {
    const config = { credsStore: 'desktop', credHelpers: { 'registry.site:5000': 'ecr-login' }, auths: { 'registry.site:5000': {} } };
    expect(credentialHelperFor(config, 'registry.site:5000')).toBe('ecr-login');
    expect(credentialHelperFor(config, 'other.site')).toBe('desktop');
    expect(credentialHelperFor({ auths: {} }, 'other.site')).toBeUndefined();
  });

  it('an identitytoken in auths is kept as a refresh token, not as a password', () => {
    const config = { auths: { 'registry.site': { identitytoken: 'REFRESH-MARKER' } } };
    expect(credentialsFromDockerConfig(config, 'registry.site', 'c.json')).toEqual({ username: '<token>', password: '', identityToken: 'REFRESH-MARKER' });
  });
});

describe('a credential helper program (the docker-credential-* protocol)', () => {
  let dir: string;
  const path = process.env.PATH;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shipline-helper-'));
    // A helper as docker-credential-pass or -secretservice behave: the server address on
    // stdin, JSON on stdout, "credentials not found" for hosts it does not know.
    const helper = join(dir, 'docker-credential-shiptest');
    writeFileSync(helper, `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
case "$server" in
  reg.example:5000) echo '{"ServerURL":"reg.example:5000","Username":"shipper","Secret":"HELPER-SECRET"}' ;;
  tok.example) echo '{"ServerURL":"tok.example","Username":"<token>","Secret":"HELPER-REFRESH"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`);
    chmodSync(helper, 0o755);
    process.env.PATH = `${dir}${delimiter}${path}`;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'shiptest', auths: { 'reg.example:5000': {} } }));
  });
  afterAll(() => {
    process.env.PATH = path;
  });

  it('gives the user and secret the helper holds', async () => {
    expect(await readDockerCredentials('reg.example:5000', join(dir, 'config.json'))).toEqual({ username: 'shipper', password: 'HELPER-SECRET' });
  });

  it('a "<token>" user is an identity token', async () => {
    expect(await readDockerCredentials('tok.example', join(dir, 'config.json'))).toEqual({ username: '<token>', password: '', identityToken: 'HELPER-REFRESH' });
  });

  it('"credentials not found" is no credentials, not an error', async () => {
    expect(await readDockerCredentials('unknown.example', join(dir, 'config.json'))).toBeUndefined();
  });

  it('a helper that is not installed is a clear error naming it', async () => {
    writeFileSync(join(dir, 'missing.json'), JSON.stringify({ credsStore: 'not-installed-here' }));
    await expect(readDockerCredentials('reg.example:5000', join(dir, 'missing.json'))).rejects.toThrow(/docker-credential-not-installed-here/);
  });
});
