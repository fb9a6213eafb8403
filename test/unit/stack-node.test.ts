import { describe, expect, it } from 'vitest';
import { kubeletConfig } from '../../pipelines/stack/kubelet-config.js';
import { pauseImageRef, registryAddress } from '../../pipelines/stack/layout.js';
import { cniConfig, containerdConfig, registryHosts } from '../../pipelines/stack/parts/containerd.js';

describe('containerd config of the stack', () => {
  const config = containerdConfig('/s/containerd', '/s/containerd/containerd.sock');

  it('keeps root, state, socket and runc state under its own dir', () => {
    expect(config).toContain('root = "/s/containerd/root"');
    expect(config).toContain('state = "/s/containerd/state"');
    expect(config).toContain('address = "/s/containerd/containerd.sock"');
    expect(config).toContain('Root = "/s/containerd/runc"');
    expect(config).not.toMatch(/\/run\/containerd|\/var\/lib\/containerd|\/opt\/containerd/);
  });

  it('runs CRI with runc on overlayfs, the stack pause image and plain-HTTP registry hosts', () => {
    expect(config).toContain(`sandbox_image = "${pauseImageRef}"`);
    expect(config).toContain('snapshotter = "overlayfs"');
    expect(config).toContain('runtime_type = "io.containerd.runc.v2"');
    expect(config).toContain('SystemdCgroup = false');
    expect(config).toContain('restrict_oom_score_adj = true');
    expect(config).toContain('stream_server_address = "127.0.0.1"');
    expect(config).toContain('config_path = "/s/containerd/certs.d"');
    expect(registryHosts).toContain(`server = "http://${registryAddress}"`);
  });

  it('loads a loopback-only CNI network', () => {
    expect(JSON.parse(cniConfig)).toEqual({ cniVersion: '1.0.0', name: 'shipline-loopback', plugins: [{ type: 'loopback' }] });
  });
});

describe('kubelet config of the stack', () => {
  const config = kubeletConfig({
    caCert: '/pki/ca.crt',
    containerdSocket: '/s/containerd.sock',
    staticPodPath: '/s/manifests',
    podLogsDir: '/s/pod-logs',
  });

  it('serves on loopback only, with no read-only port', () => {
    expect(config).toMatchObject({ address: '127.0.0.1', healthzBindAddress: '127.0.0.1', readOnlyPort: 0 });
    expect(config.authentication).toMatchObject({ anonymous: { enabled: false } });
  });

  it('fits cgroup v1 without systemd and does not evict on a busy disk', () => {
    expect(config).toMatchObject({ cgroupDriver: 'cgroupfs', failCgroupV1: false, failSwapOn: false });
    expect(config.containerRuntimeEndpoint).toBe('unix:///s/containerd.sock');
    expect(config.evictionHard).toMatchObject({ 'nodefs.available': '0%', 'imagefs.available': '0%' });
  });
});
