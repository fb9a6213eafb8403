// The config used when there is no shipline.yaml: the sample service "link", built by
// the local stack's builder, pushed to its registry and rolled out on its cluster.
export const embeddedDefault: Record<string, unknown> = {
  image: {
    repository: '127.0.0.1:5000/modco/link',
    dockerfile: 'Dockerfile.musl',
    context: '.',
    platforms: ['linux/amd64', 'linux/arm64'],
    tag: 'date',
    // Dockerfile.musl's BASE defaults to a public image; the local stack serves its own
    // (the stack's baseImageRef, built from Debian packages).
    // VERSION: each release answers /cgi-bin/version with its own tag.
    buildArgs: { BASE: '127.0.0.1:5000/shipline/base:musl-1', VERSION: '{tag}' },
  },
  builder: { name: 'shipline-local' },
  output: { push: true },
  // An SBOM from the stack's scanner image (syft, pipelines/stack/parts/sbom-scanner.ts:
  // sbomScannerRef) and SLSA provenance (mode=max) ride with every release.
  attest: { sbom: true, provenance: true, scanner: '127.0.0.1:5000/shipline/sbom-scanner:syft-v1.57.2-1' },
  cluster: { namespace: 'default' },
  // Routed by the local stack's data plane (Traefik, Gateway API): requests to
  // http://127.0.0.1:18000 with Host link.example.com reach the versions by weight.
  // Traefik 3.6 supports neither HTTPRoute timeouts nor retries, so the rule sets none.
  routing: {
    name: 'link',
    namespace: 'default',
    hosts: ['link.example.com'],
    gateways: ['shipline-system/shipline'],
    service: 'link',
    port: 8080,
    rules: [{ to: [{ service: 'link' }] }],
  },
  rollout: {
    strategy: 'canary',
    steps: [10, 50, 100],
    // Long enough for the metric gates to see a few hundred requests per step.
    pause: '10s',
    availableTimeout: '3m',
    // The sample service's own manifest: each version is derived from its Deployment and
    // runs on the cluster's pod network on its ordinary container port.
    workload: { manifests: ['service/deploy/link.yaml'] },
    // The local stack has no users: synthetic requests through the Gateway during each
    // step, so the gates judge real traffic moving between versions.
    load: { url: 'http://127.0.0.1:18000/cgi-bin/version', rate: 50, connections: 4, headers: { host: 'link.example.com' } },
    gates: {
      // Probed on each pod of the new version, at its pod address.
      http: { path: '/cgi-bin/healthz', timeout: '5s' },
      // From the data plane's own metrics (Traefik, scraped by the stack's Prometheus).
      successRate: { min: 99, minRequests: 10, window: '10s', interval: '3s', failureLimit: 2 },
      // Against the stable version serving the same traffic at the same time: a busy machine
      // slows both, so an absolute p99 limit would abort good versions (it did, in CI).
      latency: { maxIncrease: '50%', minRequests: 10, window: '10s', interval: '3s', failureLimit: 2 },
    },
  },
};
