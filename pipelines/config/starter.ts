// The commented starter config `shipline init` writes: every field, with its default or a
// value for a real cluster; the local stack's values are shown in comments. Unit tests keep
// it valid and complete against the schema (`shipline explain FIELD` says more).

/** The editor hint line: where the JSON Schema of shipline.yaml is. */
export function schemaLine(schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}`;
}

export function starterConfig(schemaRef = './schema/shipline.schema.json'): string {
  return `${schemaLine(schemaRef)}
# shipline.yaml — every field, with its default or a value for a real cluster; the local
# stack's values are in comments. \`shipline explain FIELD\` (e.g. routing.rules.retries) says more.

image:
  repository: registry.example.com/acme/link   # where the image is pushed, no tag (local stack: 127.0.0.1:5000/modco/link)
  dockerfile: Dockerfile                  # relative to this file (default Dockerfile.musl, the sample's)
  context: .                              # the build context, relative to this file
  platforms: [linux/amd64, linux/arm64]   # one multi-arch image
  tag: date                               # date (YYYYMMDD, then .1, .2 if taken), semver (from the git tag), or a literal
  # timezone: UTC                         # of date tags
  buildArgs: {}                           # --build-arg values; {tag} is replaced, e.g. { VERSION: "{tag}" }
  labels: {}                              # org.opencontainers.image.{version,revision,created,source} are added
  # source: https://github.com/acme/link  # the source label (default: the checkout's git remote)

builder:
  name: shipline-local                    # the docker buildx builder
  nodes: []                               # or one remote BuildKit node per platform (native arm64):
  # - { endpoint: tcp://arm-host:1234, platforms: [linux/arm64], name: arm0 }

output:
  push: true                              # push to image.repository
  # oci: link_{tag}.tar                   # also an OCI image-layout tarball (air-gapped installs)
  combine: auto                           # both outputs in one build when the builder can (auto|always|never)

cache:
  from: []                                # buildx --cache-from specs, e.g. [type=registry,ref=registry.example.com/acme/link:cache]
  to: []                                  # buildx --cache-to specs

attest:
  provenance: false                       # SLSA provenance attestation
  sbom: false                             # SBOM attestation
  # scanner: registry.example.com/tools/buildkit-syft-scanner:1   # SBOM generator image (default: BuildKit's)

cluster:
  # context: prod-eu                      # the only kube context shipline may change (recommended for a real cluster)
  # kubeconfig: ~/.kube/config            # default: --kubeconfig, KUBECONFIG, ~/.kube/config
  namespace: default                      # for objects that name none
  fieldManager: shipline                  # server-side apply field manager

routing:
  name: link                              # the VirtualService / HTTPRoute
  namespace: default
  hosts: [link.example.com]               # the host names clients use
  gateways: []                            # e.g. [istio-system/public]; none: mesh routing (local stack: [shipline-system/shipline])
  service: link                           # the default destination Service
  port: 8080                              # its port
  # targetPort: 8080                      # the container port behind port (default: port)
  # selector: { app: link }               # the service's pod labels (default: { app: <service> })
  subsets: {}                             # versions by pod labels, e.g. { v1: { version: v1 }, v2: { version: v2 } }
  api: auto                               # auto (what the cluster serves), istio, gateway-api
  # istioVersion: v1                      # networking.istio.io version (default: the newest served)
  # implementation: auto                  # auto: route only where istiod / a Gateway / mesh support runs; external: it runs where shipline cannot see it
  rules:                                  # ordered, first match wins; the last catch-all is what rollouts shift
    # - name: premium                     # every rule field, for a rule before the catch-all:
    #   match: { path: { prefix: /api }, headers: { user: { exact: premium-user } } }   # or exact:, or regex: (RE2); prefix is literal
    #   to: [{ service: link, subset: v2, port: 8080, weight: 100 }]
    #   mirror: { service: link, subset: v2, port: 8080, percent: 50 }                  # copies; replies dropped
    #   fault: { delay: { percent: 50, fixed: 5s }, abort: { percent: 10, status: 500 } } # Istio only
    #   timeout: 2s
    #   retries: { attempts: 3, perTryTimeout: 1s, on: "5xx,reset", backoff: 100ms }
    - to: [{ service: link }]
      timeout: 2s                         # overall, retries included (the local stack's Traefik supports no timeouts: drop it there)
      retries: { attempts: 3, perTryTimeout: 1s, on: "5xx,reset" }   # (nor retries)

rollout:
  strategy: canary                        # canary | mirror | header | subset
  steps: [10, 25, 50, 100]                # canary weights of the new version
  pause: 30s                              # after each step, before the gates judge it
  autoPromote: true                       # promote a canary that reached 100% with every gate passing
  mirrorPercent: 50                       # mirror strategy: share of requests copied
  header: { name: user, value: premium-user }   # header strategy: who gets the new version
  availableTimeout: 5m                    # for the new version to become available
  acceptTimeout: 30s                      # for the routing implementation to accept a change (Gateway API)
  implementationSpecific: false           # allow e.g. Traefik's TraefikService for mirroring
  keepVersions: 2                         # versions kept after a promotion; older Deployments/Services/HPAs shipline made are deleted
  lease: { duration: 30s }                # the per-route lock; a crashed rollout frees it after this
  workload:
    # manifests: [deploy.yaml]            # your own Deployment (+ Service, ConfigMaps, ...): files, folders, kustomize folders
    # deployment: link                    # the service's Deployment in them (default: the only one)
    # container: link                     # whose image each version replaces (default: the first)
    replicas: 1                           # without manifests, shipline generates a Deployment
    port: 8080                            # with one container listening here
    terminationGracePeriodSeconds: 30
    # command: [/bin/link]                # its command (default: the image's entrypoint)
  gates:
    http: { path: /healthz, timeout: 5s } # probed on each pod of the new version (or url: one fixed address); local stack: /cgi-bin/healthz
    # prometheus: { url: "http://prometheus.monitoring:9090", query: "sum(rate(errors_total[1m]))", max: 0.05, noDataTimeout: 30s }
    # successRate: { maxDrop: 1, significance: 0.01, power: 0.95, interval: 5s, failureLimit: 1, prometheusUrl: "http://prometheus.monitoring:9090" }   # against the stable version, exact counts since each step started (local stack: the default prometheusUrl)
    #   also: min: 99 (absolute %), minRequests: 400 (default: computed), consecutiveFailureLimit: 2, inconclusiveLimit: 5, dryRun: false; window: 30s is no longer used
    # latency: { maxIncrease: 20%, max: 500ms, interval: 5s, failureLimit: 1, timeout: 5s, provider: istio }                                       # rank test against the stable version; p99 of the new version
  # load: { url: "http://127.0.0.1:18000/", headers: { host: link.example.com }, rate: 50, connections: 4, method: GET, duration: 20s, timeout: 10s }   # local stack: synthetic requests during each step
`;
}
