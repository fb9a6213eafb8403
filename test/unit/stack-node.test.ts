import { describe, expect, it } from 'vitest';
import { kubeletConfig } from '../../pipelines/stack/kubelet-config.js';
import { network, pauseImageRef, registryAddress } from '../../pipelines/stack/layout.js';
import { containerdConfig, registryHosts } from '../../pipelines/stack/parts/containerd.js';
import { bridgeSysctls, cniConflist, nftRuleset, routeCommands } from '../../pipelines/stack/pod-network-plan.js';

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

  it("keeps pods' network namespaces under its own state dir", () => {
    expect(config).toContain('netns_mounts_under_state_dir = true');
  });
});

describe('pod network plan', () => {
  it('attaches pods to the stack bridge with host-local addresses, a route to the stack block only, no masquerade', () => {
    const conf = cniConflist('/s/ipam') as { plugins: Record<string, unknown>[] };
    expect(conf.plugins).toEqual([
      expect.objectContaining({
        type: 'bridge',
        bridge: 'shipline0',
        isGateway: true,
        ipMasq: false,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: '198.19.0.0/24', gateway: '198.19.0.1' }]],
          routes: [{ dst: '198.19.0.0/16', gw: '198.19.0.1' }],
          dataDir: '/s/ipam',
        },
      }),
    ]);
  });

  it('keeps the pod and service ranges inside the unreachable block', () => {
    expect(network.podCidr.startsWith('198.19.0.')).toBe(true);
    expect(network.serviceCidr.startsWith('198.19.1.')).toBe(true);
    expect(routeCommands()).toEqual([
      ['ip', 'route', 'replace', 'unreachable', '198.19.0.0/16'],
      ['ip', 'route', 'replace', '198.19.1.0/24', 'dev', 'shipline0', 'src', '198.19.0.1'],
    ]);
  });

  it('replaces its own nftables table atomically, rejecting untranslated ClusterIPs and dropping what would leave the bridge', () => {
    const rules = nftRuleset();
    expect(rules.split('\n').slice(0, 3)).toEqual(['table inet shipline', 'delete table inet shipline', 'table inet shipline {']);
    const forward = rules.slice(rules.indexOf('chain forward'), rules.indexOf('chain output'));
    const order = ['untranslated-clusterip', 'iifname "shipline0" oifname "shipline0" accept', 'pod-to-outside', 'outside-to-pod'];
    expect(order.map((r) => forward.indexOf(r))).toEqual(order.map((r) => forward.indexOf(r)).sort((a, b) => a - b));
    expect(forward).toContain('iifname "shipline0" counter drop');
    expect(rules).not.toMatch(/masquerade|snat|dnat/);
  });

  it('turns forwarding on for the bridge alone', () => {
    const forwarding = bridgeSysctls().filter(([file]) => file.includes('forwarding'));
    expect(forwarding).toEqual([['/proc/sys/net/ipv4/conf/shipline0/forwarding', '1']]);
  });
});

describe('kubelet config of the stack', () => {
  const config = kubeletConfig({
    caCert: '/pki/ca.crt',
    servingCert: '/pki/kubelet.crt',
    servingKey: '/pki/kubelet.key',
    containerdSocket: '/s/containerd.sock',
    staticPodPath: '/s/manifests',
    podLogsDir: '/s/pod-logs',
  });

  it('serves its API on the bridge address with a stack-CA certificate, health on loopback, no read-only port, cluster DNS', () => {
    expect(config).toMatchObject({ address: '198.19.0.1', healthzBindAddress: '127.0.0.1', readOnlyPort: 0 });
    expect(config).toMatchObject({ tlsCertFile: '/pki/kubelet.crt', tlsPrivateKeyFile: '/pki/kubelet.key' });
    expect(config).toMatchObject({ clusterDNS: ['198.19.0.1'], clusterDomain: 'cluster.local', resolvConf: '' });
    expect(config.authentication).toMatchObject({ anonymous: { enabled: false } });
  });

  it('fits cgroup v1 without systemd and does not evict on a busy disk', () => {
    expect(config).toMatchObject({ cgroupDriver: 'cgroupfs', failCgroupV1: false, failSwapOn: false });
    expect(config.containerRuntimeEndpoint).toBe('unix:///s/containerd.sock');
    expect(config.evictionHard).toMatchObject({ 'nodefs.available': '0%', 'imagefs.available': '0%' });
  });
});
