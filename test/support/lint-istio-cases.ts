// Istio manifests for the istioctl agreement test beyond the goldens and lint cases:
// one per check of Istio's own validation that lint ports, and the cases where lint is
// deliberately stricter than `istioctl validate` (analyzer-level findings).
import type { LintCase } from '../../scripts/bench/fixtures/lint-cases.js';

const vs = (http: string, hosts = '[my-service]') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: istio-case, namespace: default }
spec:
  hosts: ${hosts}
  http:
${http}`;

export const istioCases: LintCase[] = [
  { name: 'vs-only-hosts', yaml: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: istio-case }\nspec:\n  hosts: [my-service]\n', valid: false, finding: 'spec: http, tcp or tls must be provided in virtual service' },
  { name: 'vs-retry-on-typo', yaml: vs('  - route: [{ destination: { host: my-service } }]\n    retries: { attempts: 2, retryOn: "5xx,connect-failures" }'), valid: false, finding: 'spec.http[0].retries.retryOn: "connect-failures" is not a valid retryOn policy; use 5xx, gateway-error, reset, reset-before-request, connect-failure, retriable-4xx… or an HTTP status' },
  { name: 'vs-retry-on-status', yaml: vs('  - route: [{ destination: { host: my-service } }]\n    retries: { attempts: 2, retryOn: "503,gateway-error" }'), valid: true },
  { name: 'vs-retries-zero-attempts', yaml: vs('  - route: [{ destination: { host: my-service } }]\n    retries: { attempts: 0, perTryTimeout: 1s }'), valid: false, finding: 'spec.http[0].retries.attempts: http retry policy configured when attempts are set to 0 (disabled); set attempts, or remove retries' },
  { name: 'vs-bad-header-name', yaml: vs('  - match: [{ headers: { "x user": { exact: a } } }]\n    route: [{ destination: { host: my-service } }]'), valid: false, finding: "spec.http[0].match[0].headers.x user: header name x user is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)" },
  { name: 'vs-set-host-on-response', yaml: vs('  - route: [{ destination: { host: my-service } }]\n    headers: { response: { set: { host: x } } }'), valid: false, finding: 'spec.http[0].headers.response.set: invalid header "host": cannot set Host header' },
  { name: 'vs-fault-without-kind', yaml: vs('  - route: [{ destination: { host: my-service } }]\n    fault: {}'), valid: false, finding: 'spec.http[0].fault: HTTP fault injection must have an abort and/or a delay' },
  { name: 'vs-abort-status-out-of-range', yaml: vs('  - route: [{ destination: { host: my-service } }]\n    fault: { abort: { httpStatus: 700, percentage: { value: 10 } } }'), valid: false, finding: 'spec.http[0].fault.abort.httpStatus: HTTP status 700 is not in range 200-599' },
  { name: 'vs-tiny-percentage', yaml: vs('  - route: [{ destination: { host: my-service } }]\n    fault: { delay: { fixedDelay: 1s, percentage: { value: 0.00001 } } }'), valid: false, finding: 'spec.http[0].fault.delay.percentage.value: percentage 0.00001 is neither 0, nor in range [0.0001, 100]' },
  { name: 'vs-zero-per-try-timeout', yaml: vs('  - route: [{ destination: { host: my-service } }]\n    retries: { attempts: 2, perTryTimeout: 0.5ms }'), valid: false, finding: 'spec.http[0].retries.perTryTimeout: must be a valid duration greater than 1ms' },
  { name: 'vs-lookahead-regex', yaml: vs('  - match: [{ uri: { regex: "^/service1/(?!admin).*" } }]\n    route: [{ destination: { host: my-service } }]'), valid: false, finding: 'spec.http[0].match[0].uri.regex: is not a valid regular expression for Envoy, which uses RE2 (invalid or unsupported Perl syntax: `(?!`)' },
];

/**
 * Where lint is deliberately stricter than `istioctl validate` (which accepts these,
 * some with a warning): findings of Istio's analyzers or of shipline's own rules.
 */
export const lintStricter: Record<string, string> = {
  'vs-weights-not-100': 'weights of several destinations must sum to 100 (Istio normalises them)',
  'vs-uppercase-header': 'header names must be lowercase (Istio matches lowercase keys)',
  'vs-unreachable-rule': 'a rule after a catch-all can never match (istioctl only warns)',
  'vs-undefined-mirror-subset': 'a mirror subset that no DestinationRule in the same lint run defines (istioctl analyze finds it)',
};

export const stricterCases: LintCase[] = [
  { name: 'vs-weights-not-100', yaml: vs('  - route:\n    - { destination: { host: my-service, subset: v1 }, weight: 90 }\n    - { destination: { host: my-service, subset: v2 }, weight: 20 }'), valid: false, finding: 'spec.http[0].route: weights sum to 110, must be 100' },
  { name: 'vs-uppercase-header', yaml: vs('  - match: [{ headers: { User: { exact: a } } }]\n    route: [{ destination: { host: my-service } }]'), valid: false, finding: 'spec.http[0].match[0].headers.User: header names must be lowercase (Istio matches lowercase keys)' },
  { name: 'vs-unreachable-rule', yaml: vs('  - route: [{ destination: { host: my-service } }]\n  - match: [{ uri: { prefix: /a } }]\n    route: [{ destination: { host: my-service } }]'), valid: false, finding: 'spec.http[1]: unreachable: spec.http[0] already matches every request it matches (first match wins)' },
  {
    name: 'vs-undefined-mirror-subset',
    yaml: `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: istio-case }\nspec:\n  host: my-service\n  subsets: [{ name: v1, labels: { version: v1 } }]\n---\n${vs('  - route: [{ destination: { host: my-service, subset: v1 } }]\n    mirror: { host: my-service, subset: v2 }')}`,
    valid: false,
    finding: 'spec.http[0].mirror.subset: v2 is not a subset of my-service in its DestinationRule (v1)',
  },
];
