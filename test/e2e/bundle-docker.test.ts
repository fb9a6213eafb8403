// `bundle import --docker` against the stack's real dockerd, as on an edge box with an Engine
// and no registry: a signed bundle of the sample is checked and loaded for the Engine's
// platform (or --platform), tagged as in the bundle, and `docker run` of the tag answers.
// Bad input loads nothing: a wrong key, a changed byte, a platform the bundle lacks, an
// Engine that is not there or does not answer in time.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngine, inspectImage, removeImage } from '../../pipelines/adapters/docker.js';
import { run } from '../../pipelines/adapters/process.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { baseImageRef, builderName } from '../../pipelines/stack/layout.js';
import { shipline } from '../bundle-fixtures/cli.js';
import { editTar } from '../bundle-fixtures/tar-edit.js';

const nonce = randomBytes(4).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'shipline-bundle-docker-'));
const at = (name: string) => join(dir, name);
const tag = (what: string) => `site/link-${what}:${nonce}`;
const loadedTags: string[] = [];

function keyPair(name: string): { key: string; pub: string } {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(at(`${name}.key`), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(at(`${name}.pub`), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { key: at(`${name}.key`), pub: at(`${name}.pub`) };
}

async function present(reference: string): Promise<boolean> {
  return inspectImage(await dockerEngine(), reference).then(() => true, () => false);
}

let good: { key: string; pub: string };
let other: { key: string; pub: string };
const bundle = () => at('link.bundle.tar.zst');

beforeAll(async () => {
  good = keyPair('good');
  other = keyPair('other');
  // The sample, both platforms, as an OCI tarball (built once for the file; the builder's cache makes it quick).
  await run(['docker', 'buildx', 'build', '--builder', builderName, '--platform', 'linux/amd64,linux/arm64', '-f', join(projectRoot, 'Dockerfile.musl'),
    '--build-arg', `BASE=${baseImageRef}`, '--build-arg', `VERSION=${nonce}`, '--output', `type=oci,dest=${at('link.tar')}`, projectRoot], { timeoutMs: 600_000 });
  const created = await shipline(['bundle', 'create', '--oci', at('link.tar'), '--image', tag('signed'), '--sign-key', good.key, '-o', bundle()]);
  expect(created.exitCode, created.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  const docker = await dockerEngine();
  for (const t of loadedTags) await removeImage(docker, t).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('bundle import --docker', () => {
  it('loads a signed bundle for the Engine\'s platform, tagged as in the bundle, and `docker run --rm TAG` answers', async () => {
    const result = await shipline(['bundle', 'import', bundle(), '--docker', '--key', good.pub]);
    expect(result.exitCode, result.stderr).toBe(0);
    loadedTags.push(tag('signed'));
    expect(result.stderr).toContain(`signature and every checksum of ${bundle()} check out`);
    const [line] = result.stdout.trim().split('\n');
    expect(line).toMatch(new RegExp(`^${tag('signed')} sha256:[a-f0-9]{64} \\(linux/amd64\\)$`));
    expect((await inspectImage(await dockerEngine(), tag('signed'))).id).toBe(line!.split(' ')[1]);
    // The service in the loaded image serves its version (its own loopback: no network leaves the container).
    const served = await run(['docker', 'run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', tag('signed'), '-c',
      'httpd -p 8080 -h /www && wget -q -O - http://127.0.0.1:8080/cgi-bin/version'], { timeoutMs: 60_000 });
    expect(JSON.parse(served.stdout)).toMatchObject({ version: nonce, arch: 'x86_64' });
  });

  it('--platform linux/arm64 loads the arm64 image, which runs through QEMU', async () => {
    const result = await shipline(['bundle', 'import', bundle(), '--docker', '--platform', 'linux/arm64', '--image', tag('arm'), '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    loadedTags.push(tag('arm'));
    const { loaded } = JSON.parse(result.stdout) as { loaded: { name: string; platform: string; id: string }[] };
    expect(loaded).toEqual([{ name: tag('arm'), platform: 'linux/arm64', id: expect.stringMatching(/^sha256:/) as string }]);
    const arch = await run(['docker', 'run', '--rm', '--network', 'none', '--entrypoint', '/bin/busybox', tag('arm'), 'cat', '/www/arch'], { timeoutMs: 60_000 });
    expect(arch.stdout.trim()).toBe('aarch64');
  });

  it('refuses a wrong key, a changed byte and a platform the bundle lacks, loading nothing', async () => {
    const wrongKey = await shipline(['bundle', 'import', bundle(), '--docker', '--key', other.pub, '--image', tag('wrongkey')]);
    expect(wrongKey.exitCode).toBe(3);
    expect(await present(tag('wrongkey'))).toBe(false);

    const changed = at('changed.bundle.tar');
    let flipped = false;
    const plain = at('plain.bundle.tar');
    const created = await shipline(['bundle', 'create', '--oci', at('link.tar'), '--image', tag('changed'), '-o', plain, '--compress', 'none']);
    expect(created.exitCode, created.stderr).toBe(0);
    await editTar(plain, changed, (name, data) => {
      if (flipped || !/blobs\/sha256\//.test(name) || data.length < 100_000) return data;
      flipped = true;
      const copy = Buffer.from(data);
      copy[copy.length >> 1]! ^= 0xff;
      return copy;
    });
    expect(flipped).toBe(true);
    const corrupt = await shipline(['bundle', 'import', changed, '--docker']);
    expect(corrupt.exitCode).toBe(2);
    expect(corrupt.stderr).toMatch(/does not match its digest/);
    expect(await present(tag('changed'))).toBe(false);

    const lacking = await shipline(['bundle', 'import', bundle(), '--docker', '--platform', 'linux/s390x', '--image', tag('s390x')]);
    expect(lacking.exitCode).toBe(2);
    expect(lacking.stderr).toContain('has no linux/s390x image (it has linux/amd64, linux/arm64); nothing was loaded');
    expect(await present(tag('s390x'))).toBe(false);
  });

  it('an Engine that is not there, or does not answer in time, fails with exit 3 and the time it was given', async () => {
    const missing = await shipline(['bundle', 'import', bundle(), '--docker'], { env: { DOCKER_HOST: `unix://${at('none.sock')}` } });
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toMatch(/Docker Engine: version: connect ENOENT .*none\.sock; nothing was loaded/);

    // A socket that accepts and never answers: the call's deadline, not a hang.
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(at('silent.sock'), resolve));
    try {
      const started = Date.now();
      const slow = await shipline(['bundle', 'import', bundle(), '--docker', '--engine-timeout', '1'], { env: { DOCKER_HOST: `unix://${at('silent.sock')}` } });
      expect(slow.exitCode).toBe(3);
      expect(slow.stderr).toContain('Docker Engine: version did not finish within 1 s; nothing was loaded');
      // Opening and checking the bundle takes well under a second more; the bound leaves room for a busy machine.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
    expect(existsSync(at('none.sock'))).toBe(false);
  });

  it('refuses registry-only flags with --docker, and an import without a target', async () => {
    const both = await shipline(['bundle', 'import', bundle(), '--docker', '--registry', '127.0.0.1:5000']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('--docker and --registry');
    const none = await shipline(['bundle', 'import', bundle()]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('give --registry HOST[:PORT], or --docker');
  });
});
