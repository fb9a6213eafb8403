#!/usr/bin/env bash
# Builds the Go programs of the local stack into the shipline cache, pinned by version.
# Usage: build-go-tools.sh buildkit|buildx|kube-apiserver|kube-node|coredns|traefik|cosign|istioctl|kubeconform|syft
# Each build is skipped when its binary is already in the cache.
set -euo pipefail
# BUILD_LOG: append the go commands' output there instead of the terminal.
if [[ -n "${BUILD_LOG:-}" ]]; then mkdir -p "$(dirname "$BUILD_LOG")"; exec >>"$BUILD_LOG" 2>&1; fi

BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.34.2}
BUILDX_VERSION=${BUILDX_VERSION:-v0.38.2}
KUBERNETES_VERSION=${KUBERNETES_VERSION:-v1.34.4}
COREDNS_VERSION=${COREDNS_VERSION:-v1.15.0}
TRAEFIK_VERSION=${TRAEFIK_VERSION:-v3.6.12}
COSIGN_VERSION=${COSIGN_VERSION:-v3.1.3}
# istioctl from istio.io/istio's module (a pseudo-version: Istio tags its releases in git only).
ISTIOCTL_VERSION=${ISTIOCTL_VERSION:-v0.0.0-20260827124520-eed52ebb66ad}
KUBECONFORM_VERSION=${KUBECONFORM_VERSION:-v0.8.0}
SYFT_VERSION=${SYFT_VERSION:-v1.57.2}
CACHE=${SHIPLINE_CACHE:-$HOME/.cache/shipline}
TOOLS="$CACHE/tools"
export CGO_ENABLED=${CGO_ENABLED:-0}
export GOFLAGS="${GOFLAGS:-} -trimpath"
LDFLAGS="-s -w"

# Builds packages of MODULE@VERSION from a throwaway wrapper module. `go install m@v`
# refuses modules whose go.mod has replace or exclude directives (BuildKit has
# excludes; k8s.io/kubernetes replaces its k8s.io/* modules with ./staging/...), so
# the wrapper requires the module and carries those directives itself: excludes as
# they are, and each ./staging replace pointed at the published v0.x.y twin.
wrapper_build() {
  local module=$1 version=$2 out=$3 ldflags=$4; shift 4
  local src="$CACHE/src/$(basename "$out")"
  rm -rf "$src" "$out.tmp"; mkdir -p "$src" "$out.tmp"
  local gomod
  gomod=$(cd "$src" && go mod download -json "$module@$version" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [[ -f "$gomod" ]] || { echo "cannot download $module@$version" >&2; return 1; }
  local staging="v0.${version#v1.}"
  {
    echo "module shipline.local/wrapper"
    grep -E '^go [0-9]' "$gomod"
    echo "require $module $version"
    awk '/^exclude \(/{on=1} on{print} on&&/^\)/{on=0} /^exclude [^(]/{print}' "$gomod"
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$gomod" |
      awk -v v="$staging" '{ print "replace " $1 " => " $1 " " v }' || true
    # Replaces of the module itself that point at other modules (not local folders).
    if [[ -n "${COPY_REPLACES:-}" ]]; then
      awk '/^replace \(/{on=1;next} on&&/^\)/{on=0;next} on{print "replace " $0} /^replace [^(]/{print}' "$gomod" |
        grep -v '=> \.' || true
    fi
    printf '%s\n' "${EXTRA_DIRECTIVES:-}"
  } > "$src/go.mod"
  local pkg
  for pkg in "$@"; do
    (cd "$src" && GOFLAGS="$GOFLAGS -mod=mod" go get "$pkg@$version")
  done
  for pkg in "$@"; do
    (cd "$src" && GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "$LDFLAGS $ldflags" -o "$out.tmp/$(basename "$pkg")" "$pkg")
  done
  rm -rf "$out"; mv "$out.tmp" "$out"
}

build_buildkit() {
  local dir="$TOOLS/buildkit-$BUILDKIT_VERSION"
  [[ -x "$dir/buildkitd" && -x "$dir/buildctl" ]] && return 0
  wrapper_build github.com/moby/buildkit "$BUILDKIT_VERSION" "$dir" \
    "-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION" \
    github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl
}

build_buildx() {
  local dir="$TOOLS/buildx-$BUILDX_VERSION"
  [[ -x "$dir/docker-buildx" ]] && return 0
  wrapper_build github.com/docker/buildx "$BUILDX_VERSION" "$dir" \
    "-X github.com/docker/buildx/version.Version=$BUILDX_VERSION -X github.com/docker/buildx/version.Package=github.com/docker/buildx" \
    github.com/docker/buildx/cmd/buildx
  mv "$dir/buildx" "$dir/docker-buildx"
}

KUBE_LDFLAGS="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION#v1.}"

build_kube_apiserver() {
  local dir="$TOOLS/kube-apiserver-$KUBERNETES_VERSION"
  [[ -x "$dir/kube-apiserver" ]] && return 0
  wrapper_build k8s.io/kubernetes "$KUBERNETES_VERSION" "$dir" "$KUBE_LDFLAGS" \
    k8s.io/kubernetes/cmd/kube-apiserver
}

# The node side of the local cluster: controllers, scheduler and kubelet.
build_kube_node() {
  local dir="$TOOLS/kube-node-$KUBERNETES_VERSION"
  [[ -x "$dir/kube-controller-manager" && -x "$dir/kube-scheduler" && -x "$dir/kubelet" && -x "$dir/kube-proxy" && -x "$dir/kubectl" ]] && return 0
  wrapper_build k8s.io/kubernetes "$KUBERNETES_VERSION" "$dir" "$KUBE_LDFLAGS" \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl
}

# Cluster DNS: CoreDNS answers for the cluster's zones from the kubernetes plugin.
build_coredns() {
  local dir="$TOOLS/coredns-$COREDNS_VERSION"
  [[ -x "$dir/coredns" ]] && return 0
  COPY_REPLACES=1 wrapper_build github.com/coredns/coredns "$COREDNS_VERSION" "$dir" "" \
    github.com/coredns/coredns
}

# The data plane: Traefik with its Gateway API provider.
build_traefik() {
  local dir="$TOOLS/traefik-$TRAEFIK_VERSION"
  [[ -x "$dir/traefik" ]] && return 0
  COPY_REPLACES=1 EXTRA_DIRECTIVES="exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible" \
    wrapper_build github.com/traefik/traefik/v3 "$TRAEFIK_VERSION" "$dir" \
    "-X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
    github.com/traefik/traefik/v3/cmd/traefik
}

# Builds one command with `go install MODULE/CMD@VERSION` into DIR (modules without
# replace directives need no wrapper); EXTRA_LDFLAGS, e.g. -X for the version it reports.
go_install() {
  local pkg=$1 version=$2 dir=$3 extra_ldflags=${4:-}
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  GOBIN="$dir.tmp" go install -ldflags "$LDFLAGS $extra_ldflags" "$pkg@$version"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

# Signing interop: the bundle tests check shipline's signatures against cosign's own.
# cosign's go.mod has no replace directives, so a plain `go install` builds it.
build_cosign() {
  local dir="$TOOLS/cosign-$COSIGN_VERSION"
  [[ -x "$dir/cosign" ]] && return 0
  go_install github.com/sigstore/cosign/v3/cmd/cosign "$COSIGN_VERSION" "$dir" \
    "-X sigs.k8s.io/release-utils/version.gitVersion=$COSIGN_VERSION"
}


# istioctl: the reference that `shipline lint` is tested against (test/integration/lint-istioctl).
build_istioctl() {
  local dir="$TOOLS/istioctl-$ISTIOCTL_VERSION"
  [[ -x "$dir/istioctl" ]] && return 0
  go_install istio.io/istio/istioctl/cmd/istioctl "$ISTIOCTL_VERSION" "$dir"
}

# kubeconform: only for the lint benchmark (scripts/bench/lint-vs-kubeconform).
build_kubeconform() {
  local dir="$TOOLS/kubeconform-$KUBECONFORM_VERSION"
  [[ -x "$dir/kubeconform" ]] && return 0
  go_install github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" "$dir"
}

# syft: the SBOM scanner inside the stack's BuildKit scanner image (pipelines/stack/parts/sbom-scanner.ts).
build_syft() {
  local dir="$TOOLS/syft-$SYFT_VERSION"
  [[ -x "$dir/syft" ]] && return 0
  go_install github.com/anchore/syft/cmd/syft "$SYFT_VERSION" "$dir" "-X main.version=$SYFT_VERSION"
}

case "${1:-}" in
  buildkit) build_buildkit ;;
  buildx) build_buildx ;;
  kube-apiserver) build_kube_apiserver ;;
  kube-node) build_kube_node ;;
  coredns) build_coredns ;;
  traefik) build_traefik ;;
  cosign) build_cosign ;;
  istioctl) build_istioctl ;;
  kubeconform) build_kubeconform ;;
  syft) build_syft ;;
  *) echo "usage: $0 buildkit|buildx|kube-apiserver|kube-node|coredns|traefik|cosign|istioctl|kubeconform|syft" >&2; exit 2 ;;
esac
