// The commented starter config `shipline init` writes. A unit test keeps it valid.
export function starterConfig(): string {
  return `# yaml-language-server: $schema=./schema/shipline.schema.json
# shipline.yaml — every field, with its default where it has one.

image:
  repository: 127.0.0.1:5000/modco/link   # where the image is pushed (no tag)
  dockerfile: Dockerfile.musl             # relative to this file
  context: .
  platforms: [linux/amd64, linux/arm64]
  tag: date                               # date (YYYYMMDD, then .1, .2 if taken), semver (from the git tag), or a literal
  # timezone: UTC                         # for date tags
  buildArgs: {}
  labels: {}                              # org.opencontainers.image.{version,revision,created,source} are added

builder:
  name: shipline-local                    # an existing buildx builder
  nodes: []                               # or one remote node per platform:
  # - { endpoint: tcp://arm-host:1234, platforms: [linux/arm64] }

output:
  push: true
  # oci: link_{tag}.tar                   # also an OCI image-layout tarball (air-gapped installs)
  combine: auto                           # both outputs in one build when the builder can (auto|always|never)

cache: { from: [], to: [] }               # buildx --cache-from / --cache-to specs
attest: { provenance: false, sbom: false }

cluster:
  # context: my-cluster                   # refuse every other kube context
  namespace: default
  fieldManager: shipline

routing:
  name: link                              # the VirtualService / HTTPRoute
  namespace: default
  hosts: [link.example.com]
  gateways: []                            # e.g. [my-gateway]; none: mesh routing
  service: link
  port: 8080
  api: auto                               # auto (what the cluster serves), istio, gateway-api
  rules:                                  # ordered, first match wins; the last catch-all is what rollouts shift
    - to: [{ service: link }]
      timeout: 2s
      retries: { attempts: 3, perTryTimeout: 1s, on: "5xx,reset" }

rollout:
  strategy: canary                        # canary | mirror | header | subset
  steps: [10, 25, 50, 100]                # canary weights of the new version
  pause: 30s                              # between steps, before the gates
  autoPromote: true                       # promote a canary that reached 100% with every gate passing
  mirrorPercent: 50
  header: { name: user, value: premium-user }
  availableTimeout: 5m
  workload:
    # manifests: [deploy.yaml]            # your own Deployment (+ Service, ConfigMaps, ...): files, folders, kustomize folders
    # deployment: link                    # the service's Deployment in them (default: the only one)
    # container: link                     # whose image each version replaces (default: the first)
    replicas: 1                           # without manifests, shipline generates a Deployment
    port: 8080                            # with one container listening here
  gates:
    http: { path: /cgi-bin/healthz, timeout: 5s }   # probed on each pod of the new version (or url: for one fixed address)
    # prometheus: { url: "http://127.0.0.1:9090", query: "sum(rate(errors_total[1m]))", max: 0.05 }
    # successRate: { min: 99, minRequests: 20, interval: 5s, window: 30s, failureLimit: 1 }   # % non-5xx of the new version, from the data plane's metrics
    # latency: { max: 500ms, minRequests: 20 }                                                  # p99 of the new version
  # load: { url: "http://127.0.0.1:18000/", headers: { host: link.example.com }, rate: 50 }     # synthetic requests during each step
`;
}
