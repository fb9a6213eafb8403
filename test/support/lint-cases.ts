// Hand-written routing manifests, one per CEL rule family of the shipped CRDs (plus the
// former false alarms), each with the verdict the apiserver gives it. The unit test
// checks lint's finding; the cluster agreement test checks the apiserver's verdict;
// the istioctl agreement test checks istioctl's on the Istio ones.

export interface LintCase {
  name: string;
  yaml: string;
  /** Does a Strict server-side dry-run (and so lint) accept it? */
  valid: boolean;
  /** For an invalid case: one of the findings lint reports (path: message), exactly. */
  finding?: string;
}

const gateway = (listeners: string, extra = '') => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: lint-case }
spec:
  gatewayClassName: shipline
${extra}  listeners:
${listeners}`;

const route = (rules: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: lint-case }
spec:
  parentRefs: [{ name: my-gateway }]
  rules:
${rules}`;

const vs = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: lint-case }
spec:
  hosts: [my-service]
  http:
${http}`;

export const lintCases: LintCase[] = [
  // Former false alarms: addresses of several types (oneOf branches and defaults).
  {
    name: 'gateway-addresses-of-several-types',
    yaml: gateway('  - { name: http, port: 80, protocol: HTTP }', '  addresses:\n  - { type: IPAddress, value: 10.0.0.1 }\n  - { type: Hostname, value: gw.example.com }\n  - { value: "2001:db8::1" }\n'),
    valid: true,
  },
  {
    name: 'tcproute-with-its-crd',
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute\nmetadata: { name: lint-case }\nspec:\n  parentRefs: [{ name: my-gateway, sectionName: tcp }]\n  rules:\n  - backendRefs: [{ name: db, port: 5432 }]\n',
    valid: true,
  },
  {
    name: 'gateway-address-not-an-ip',
    yaml: gateway('  - { name: http, port: 80, protocol: HTTP }', '  addresses:\n  - { type: IPAddress, value: 300.1.2.3 }\n'),
    valid: false,
    finding: 'spec.addresses[0]: matches none of the allowed forms (spec.addresses[0].value: "300.1.2.3" must match format "ipv4" or format "ipv6")',
  },
  // Gateway listeners (CEL rules on spec.listeners).
  {
    name: 'gateway-hostname-on-tcp-listener',
    yaml: gateway('  - { name: tcp, port: 5432, protocol: TCP, hostname: db.example.com }'),
    valid: false,
    finding: "spec.listeners: hostname must not be specified for protocols ['TCP', 'UDP']",
  },
  {
    name: 'gateway-https-passthrough',
    yaml: gateway('  - name: https\n    port: 443\n    protocol: HTTPS\n    tls: { mode: Passthrough }'),
    valid: false,
    finding: 'spec.listeners: tls mode must be Terminate for protocol HTTPS',
  },
  {
    name: 'gateway-tls-on-http-listener',
    yaml: gateway('  - name: http\n    port: 80\n    protocol: HTTP\n    tls: { mode: Terminate, certificateRefs: [{ name: cert }] }'),
    valid: false,
    finding: "spec.listeners: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
  },
  // HTTPRoute filters and matches.
  {
    name: 'httproute-repeated-request-header-modifier',
    yaml: route('  - filters:\n    - { type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: x-a, value: "1" }] } }\n    - { type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: x-b, value: "2" }] } }\n    backendRefs: [{ name: a, port: 80 }]'),
    valid: false,
    finding: 'spec.rules[0].filters: RequestHeaderModifier filter cannot be repeated',
  },
  {
    name: 'httproute-filter-type-mismatch',
    yaml: route('  - filters:\n    - { type: RequestHeaderModifier, requestMirror: { backendRef: { name: b, port: 80 } } }\n    backendRefs: [{ name: a, port: 80 }]'),
    valid: false,
    finding: 'spec.rules[0].filters[0]: filter.requestMirror must be nil if the filter.type is not RequestMirror',
  },
  {
    name: 'httproute-redirect-with-backendrefs',
    yaml: route('  - filters:\n    - { type: RequestRedirect, requestRedirect: { scheme: https } }\n    backendRefs: [{ name: a, port: 80 }]'),
    valid: false,
    finding: 'spec.rules[0]: RequestRedirect filter must not be used together with backendRefs',
  },
  {
    name: 'httproute-path-with-forbidden-characters',
    yaml: route('  - matches: [{ path: { type: PathPrefix, value: "/a//b" } }]\n    backendRefs: [{ name: a, port: 80 }]'),
    valid: false,
    finding: 'spec.rules[0].matches[0].path: must not contain \'//\' when type one of [\'Exact\', \'PathPrefix\']',
  },
  {
    name: 'httproute-backend-timeout-longer-than-request',
    yaml: route('  - backendRefs: [{ name: a, port: 80 }]\n    timeouts: { request: 1s, backendRequest: 2s }'),
    valid: false,
    finding: 'spec.rules[0].timeouts: backendRequest timeout cannot be longer than request timeout',
  },
  // Istio (CEL rules of the Istio CRDs).
  {
    name: 'virtualservice-zero-timeout',
    yaml: vs('  - route: [{ destination: { host: my-service } }]\n    timeout: 0s'),
    valid: false,
    finding: 'spec.http[0].timeout: must be a valid duration greater than 1ms',
  },
  {
    name: 'destinationrule-wildcard-label-key',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: lint-case }\nspec:\n  host: my-service\n  workloadSelector: { matchLabels: { "app*": x } }\n',
    valid: false,
    finding: 'spec.workloadSelector.matchLabels: wildcard not allowed in label key match',
  },
  {
    name: 'serviceentry-endpoints-without-resolution',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: { name: lint-case }\nspec:\n  hosts: [api.example.com]\n  ports: [{ number: 443, name: https, protocol: TLS }]\n  endpoints: [{ address: 10.0.0.1 }]\n',
    valid: false,
    finding: 'spec: NONE mode cannot set endpoints',
  },
];
