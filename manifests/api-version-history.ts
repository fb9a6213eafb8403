// API versions that the bundled CRDs describe but no longer serve, and the releases that
// serve them (from the projects' release notes). A manifest written for one of them (as
// upstream samples still are) is checked against that version's schema and warned about:
// it is valid on a cluster that runs one of those releases.

/** The bundle the shipped Gateway API CRDs come from (manifests/crds/README.md). */
export const bundledGatewayApi = 'Gateway API v1.7.0 standard channel';

const servedBy: Record<string, { releases: string; since: string }> = {
  'gateway.networking.k8s.io/v1alpha2 TCPRoute': { releases: 'Gateway API releases up to v1.5 (experimental channel) and v1.6 (deprecated)', since: 'v1.6' },
  'gateway.networking.k8s.io/v1alpha2 UDPRoute': { releases: 'Gateway API releases up to v1.5 (experimental channel) and v1.6 (deprecated)', since: 'v1.6' },
  'gateway.networking.k8s.io/v1alpha2 TLSRoute': { releases: 'Gateway API releases up to v1.4 (experimental channel) and v1.5 (deprecated)', since: 'v1.5' },
  'gateway.networking.k8s.io/v1alpha3 TLSRoute': { releases: 'Gateway API experimental channel before v1.5, and v1.5 (deprecated)', since: 'v1.5' },
  'gateway.networking.k8s.io/v1alpha3 BackendTLSPolicy': { releases: 'Gateway API v1.3 (experimental channel)', since: 'v1.4' },
};

/** The releases that serve `apiVersion` of `kind`, and the release whose standard channel serves its v1 instead. */
export function releasesServing(apiVersion: string, kind: string): { releases: string; since: string } {
  return servedBy[`${apiVersion} ${kind}`] ?? { releases: 'earlier or experimental releases of its API', since: 'the bundled release' };
}
