// The Kubernetes API groups of the routing kinds shipline renders and reads.
export const istioGroup = 'networking.istio.io';
export const gatewayGroup = 'gateway.networking.k8s.io';
