#!/bin/sh
# The entry point of the stack's SBOM scanner image: BuildKit's SBOM generator protocol
# (moby/buildkit frontend/attestations/sbom). BuildKit mounts the image being built at
# BUILDKIT_SCAN_SOURCE (and build stages or contexts under BUILDKIT_SCAN_SOURCE_EXTRAS when
# asked to scan them) and reads one in-toto statement per file from BUILDKIT_SCAN_DESTINATION;
# a statement with no subject is attached to the image it was made for.
set -eu
out=${BUILDKIT_SCAN_DESTINATION:?BuildKit sets BUILDKIT_SCAN_DESTINATION}

# scan DIR NAME: NAME.spdx.json holds the SPDX document of DIR. "sbom" is the core scan;
# the catalogers are the ones syft uses for images, since DIR is an image's root file system.
scan() {
  syft scan "dir:$1" --override-default-catalogers image --source-name "$2" -q -o "spdx-json=/tmp/$2.spdx"
  {
    printf '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[],"predicate":'
    cat "/tmp/$2.spdx"
    printf '}\n'
  } > "$out/$2.spdx.json"
}

scan "${BUILDKIT_SCAN_SOURCE:?BuildKit sets BUILDKIT_SCAN_SOURCE}" sbom
if [ -n "${BUILDKIT_SCAN_SOURCE_EXTRAS:-}" ]; then
  for extra in "$BUILDKIT_SCAN_SOURCE_EXTRAS"/*; do
    if [ -d "$extra" ]; then scan "$extra" "$(basename "$extra")"; fi
  done
fi
