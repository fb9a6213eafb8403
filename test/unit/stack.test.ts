import { describe, expect, it } from 'vitest';
import { quoteArgv } from '../../pipelines/adapters/process.js';
import { describeError, exitCodeOf, InputError, PreconditionError } from '../../pipelines/errors.js';
import { buildkitdConfig } from '../../pipelines/stack/parts/buildkitd.js';
import { parseInspect } from '../../pipelines/adapters/buildx.js';
import { formatStatus } from '../../pipelines/stack/stack.js';


describe('buildx inspect parsing', () => {
  it('reads driver, endpoint, status and platforms (defaults marked * included)', () => {
    const info = parseInspect(
      [
        'Name:          shipline-local',
        'Driver:        remote',
        '',
        'Nodes:',
        'Name:             shipline-local0',
        'Endpoint:         tcp://127.0.0.1:1234',
        'Status:           running',
        'BuildKit version: v0.34.2',
        'Platforms:        linux/amd64*, linux/amd64/v2, linux/arm64*, linux/386',
      ].join('\n'),
    );
    expect(info).toMatchObject({
      name: 'shipline-local',
      driver: 'remote',
      endpoint: 'tcp://127.0.0.1:1234',
      status: 'running',
      platforms: ['linux/amd64', 'linux/amd64/v2', 'linux/arm64', 'linux/386'],
      buildkitVersion: 'v0.34.2',
    });
    expect(info.nodes).toHaveLength(1);
  });

  it('unions the platforms of a multi-node builder', () => {
    const info = parseInspect(
      [
        'Name:          multi',
        'Driver:        remote',
        '',
        'Nodes:',
        'Name:             amd',
        'Endpoint:         tcp://127.0.0.1:1234',
        'Status:           running',
        'Platforms:        linux/amd64*',
        '',
        'Name:             arm',
        'Endpoint:         tcp://127.0.0.1:1235',
        'Status:           running',
        'Platforms:        linux/arm64*',
      ].join('\n'),
    );
    expect(info.nodes.map((n) => [n.name, n.endpoint])).toEqual([
      ['amd', 'tcp://127.0.0.1:1234'],
      ['arm', 'tcp://127.0.0.1:1235'],
    ]);
    expect(info.platforms).toEqual(['linux/amd64', 'linux/arm64']);
  });
});

describe('buildkitd config', () => {
  it('marks the local registry plain-HTTP and insecure under both names', () => {
    const toml = buildkitdConfig('/state/root', 'tcp://127.0.0.1:1234');
    expect(toml).toContain('[registry."127.0.0.1:5000"]\n  http = true\n  insecure = true');
    expect(toml).toContain('[registry."localhost:5000"]\n  http = true\n  insecure = true');
    expect(toml).toContain('address = ["tcp://127.0.0.1:1234"]');
  });
});

describe('argv quoting', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(quoteArgv(['docker', 'buildx', 'build', '-t', 'modco/link:20240126', '.'])).toBe(
      'docker buildx build -t modco/link:20240126 .',
    );
    expect(quoteArgv(['echo', "it's $HOME", ''])).toBe(`echo 'it'\\''s $HOME' ''`);
  });
});

describe('errors', () => {
  it('map to the documented exit codes and print their fix', () => {
    expect(exitCodeOf(new InputError('bad'))).toBe(2);
    expect(exitCodeOf(new PreconditionError('missing'))).toBe(3);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
    expect(describeError(new PreconditionError('port 5000 taken', { hint: 'stop it' }))).toBe(
      'port 5000 taken\n  fix: stop it',
    );
  });
});

describe('stack status format', () => {
  it('prints one line per part and the kubeconfig on a line of its own', () => {
    const text = formatStatus({
      parts: [
        { name: 'registry', version: '2.8.2', address: 'http://127.0.0.1:5000', up: true },
        { name: 'etcd', version: '-', address: 'http://127.0.0.1:23790', up: false, note: 'exited' },
      ],
      kubeconfig: '/k/kubeconfig',
    });
    expect(text.split('\n')).toEqual([
      'registry  2.8.2  up    http://127.0.0.1:5000',
      'etcd      -      down  http://127.0.0.1:23790  (exited)',
      'kubeconfig /k/kubeconfig',
    ]);
  });

  it('keeps the columns aligned when a version is wider than usual (dockerd 20.10.24+dfsg1)', () => {
    const text = formatStatus({
      parts: [
        { name: 'registry', version: '2.8.2', address: 'http://127.0.0.1:5000', up: true },
        { name: 'dockerd', version: '20.10.24+dfsg1', address: 'unix:///var/run/docker.sock', up: true },
        { name: 'kube-controller-manager', version: 'v1.34.4', address: 'https://127.0.0.1:10257', up: false, note: 'exited' },
      ],
      kubeconfig: '/k/kubeconfig',
    });
    const rows = text.split('\n').slice(0, 3);
    const column = (pattern: RegExp) => rows.map((row) => pattern.exec(row)!.index);
    expect(new Set(column(/ (up|down) /)).size).toBe(1);
    expect(new Set(column(/ (http|https|unix):/)).size).toBe(1);
    expect(rows[2]).toBe('kube-controller-manager  v1.34.4         down  https://127.0.0.1:10257  (exited)');
    expect(new Set(column(/ (2\.8\.2|20\.10|v1\.34)/)).size).toBe(1);
  });
});

describe('Debian packages to install', () => {
  it('installs what the package database does not list as installed, whatever binaries exist (gcc-aarch64-linux-gnu without libc6-dev-arm64-cross)', async () => {
    const { packagesToInstall } = await import('../../pipelines/stack/install.js');
    const dpkg = [
      'gcc-aarch64-linux-gnu ii ',
      'docker.io un ',
      'runc ii ',
      'libc6-dev-arm64-cross rc ',
      'qemu-user-static:amd64 ii ',
    ].join('\n');
    const missing = packagesToInstall(
      ['docker.io', 'runc', 'gcc-aarch64-linux-gnu', 'libc6-dev-arm64-cross', 'docker.io', 'qemu-user-static', 'etcd-server'],
      dpkg,
    );
    expect(missing).toEqual(['docker.io', 'etcd-server', 'libc6-dev-arm64-cross']);
  });
});
