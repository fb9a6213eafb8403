#!/usr/bin/env bash
# Replays a first start on this machine: lists what the stack and the benchmarks install
# (Debian packages, Go tools cached in ~/.cache/shipline, the buildx plugin link) and,
# with --remove, stops the stack and removes all of it, so that the next `npm test` or
# `npm run release` installs and builds everything as on a machine that never ran
# shipline. Run it as root before changing setup.
#
#   scripts/fresh-machine-check.sh            list only
#   scripts/fresh-machine-check.sh --remove   stop the stack, purge the packages, delete the cache
#   scripts/fresh-machine-check.sh --remove --cold-go
#                                             also empty Go's build and module caches
#                                             (a new machine has neither; the first start
#                                             then downloads and compiles every module)
set -euo pipefail
cd "$(dirname "$0")/.."

remove=false cold_go=false
for arg in "$@"; do
  case "$arg" in
    --remove) remove=true ;;
    --cold-go) cold_go=true ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $arg (use --remove, --cold-go)" >&2; exit 2 ;;
  esac
done

cache=${SHIPLINE_CACHE:-$HOME/.cache/shipline}
mapfile -t packages < <(node scripts/shipline.mjs stack packages --plain)
installed=()
for pkg in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)" == ii* ]]; then installed+=("$pkg"); fi
done

echo "Debian packages the stack and benchmarks install (${#packages[@]}):"
node scripts/shipline.mjs stack packages | sed 's/^/  /'
echo "installed now: ${installed[*]:-none}"
echo "cached tools in $cache/tools:"
ls -1 "$cache/tools" 2>/dev/null | sed 's/^/  /' || echo "  none"
plugin="$HOME/.docker/cli-plugins/docker-buildx"
[[ -e "$plugin" || -L "$plugin" ]] && echo "buildx plugin link: $plugin"

$remove || exit 0
[[ $(id -u) == 0 ]] || { echo "--remove needs root (apt-get purge)" >&2; exit 2; }

node scripts/shipline.mjs stack down || true
# A package that something outside the list depends on (openssl for ca-certificates,
# iproute2 for the system) stays: removing it would take other software with it.
purge=() kept=()
for pkg in "${installed[@]}"; do
  # apt refuses the simulation when the purge would break installed software (openssl here).
  if ! simulated=$(apt-get -s purge "$pkg" 2>/dev/null); then kept+=("$pkg (removing it would break other packages)"); continue; fi
  others=$(awk '/^Purg /{print $2}' <<<"$simulated" | while read -r p; do
    [[ " ${packages[*]} " == *" $p "* ]] || echo "$p"; done | tr '\n' ' ')
  if [[ -z "$others" ]]; then purge+=("$pkg"); else kept+=("$pkg (needed by ${others% })"); fi
done
if ((${#purge[@]} > 0)); then
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${purge[@]}"
  DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -qq
fi
((${#kept[@]} > 0)) && echo "kept: ${kept[*]}"
# Mounts dockerd and the kubelet left under the cache (deepest first): rm cannot remove a mount point.
findmnt -rn -o TARGET | awk -v c="$cache/" 'index($0, c) == 1' | sort -r | while read -r m; do umount -l "$m" || true; done
rm -rf "$cache"
[[ -L "$plugin" ]] && rm -f "$plugin"
docker buildx rm shipline-local >/dev/null 2>&1 || rm -rf "$HOME/.docker/buildx/instances/shipline-local"
if $cold_go; then
  go clean -cache -modcache
fi
echo "removed: ${purge[*]:-no packages}, $cache$($cold_go && echo ', Go caches')"
