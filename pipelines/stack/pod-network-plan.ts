// What the pod network is, as data: the CNI config containerd hands to the bridge
// plugin, the routes of the stack's block, and the nftables table that keeps every
// packet of the pod network on this machine. Pure: the part applies it.
import { network } from './layout.js';

/**
 * The bridge plugin attaches each pod to the stack's bridge with an address from
 * host-local IPAM. Pods get a route to the stack's block only, no default route: a
 * packet for any other address fails in the pod ("network unreachable") before it
 * leaves. No ipMasq: nothing of this network is NATed towards the outside.
 */
export function cniConflist(ipamDataDir: string): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: 'shipline',
    plugins: [
      {
        type: 'bridge',
        bridge: network.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: network.podCidr, gateway: network.gateway }]],
          routes: [{ dst: network.block, gw: network.gateway }],
          dataDir: ipamDataDir,
        },
      },
    ],
  };
}

/**
 * Routes in the host: the bridge's own subnet comes with its address; ClusterIPs must
 * route somewhere for the first lookup of a local connect() (an `unreachable` route
 * would fail it before kube-proxy's DNAT), so they go to the bridge, where the
 * nftables table rejects what kube-proxy did not translate; the rest of the block is
 * unreachable.
 */
export function routeCommands(): string[][] {
  return [
    ['ip', 'route', 'replace', 'unreachable', network.block],
    ['ip', 'route', 'replace', network.serviceCidr, 'dev', network.bridge, 'src', network.gateway],
  ];
}

export function routeDeleteCommands(): string[][] {
  return [
    ['ip', 'route', 'del', network.serviceCidr, 'dev', network.bridge],
    ['ip', 'route', 'del', 'unreachable', network.block],
  ];
}

/**
 * One nftables table of the stack's own, replaced atomically (one `nft -f`
 * transaction): pods talk to each other and to the host; a ClusterIP that
 * kube-proxy did not translate is rejected at once; any packet forwarded from the
 * bridge to another interface, or from another interface to the bridge, is counted
 * and dropped. The priority runs it before other filter chains of the forward hook.
 */
export function nftRuleset(): string {
  const { bridge, serviceCidr, nftTable } = network;
  return [
    `table inet ${nftTable}`,
    `delete table inet ${nftTable}`,
    `table inet ${nftTable} {`,
    '  chain forward {',
    '    type filter hook forward priority filter - 10; policy accept;',
    `    ip daddr ${serviceCidr} counter reject with icmp type host-unreachable comment "untranslated-clusterip"`,
    `    iifname "${bridge}" oifname "${bridge}" accept`,
    `    iifname "${bridge}" counter drop comment "pod-to-outside"`,
    `    oifname "${bridge}" counter drop comment "outside-to-pod"`,
    '  }',
    '  chain output {',
    '    type filter hook output priority filter - 10; policy accept;',
    `    ip daddr ${serviceCidr} counter reject with icmp type host-unreachable comment "untranslated-clusterip"`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * sysctls of the bridge alone: forwarding between pods (a ClusterIP's DNAT routes a
 * pod's packet back out of the bridge) without turning on forwarding for the
 * machine's other interfaces; and a short neighbour probe, so that an unused pod
 * address fails in a fraction of a second instead of three.
 */
export function bridgeSysctls(): [string, string][] {
  const { bridge } = network;
  return [
    [`/proc/sys/net/ipv4/neigh/${bridge}/retrans_time_ms`, '100'],
    [`/proc/sys/net/ipv4/neigh/${bridge}/mcast_solicit`, '2'],
    [`/proc/sys/net/ipv4/neigh/${bridge}/ucast_solicit`, '2'],
    [`/proc/sys/net/ipv4/conf/${bridge}/forwarding`, '1'],
  ];
}
