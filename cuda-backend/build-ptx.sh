#!/usr/bin/env bash
# Compiles every kernel source, src/main/cuda/<op>/<name>.cu, to PTX for compute_80 (Ampere and every
# later GPU JITs it) or for the target its first line names (// ptx-target: compute_90a, Hopper's own
# instructions), lowers its .version to the portable ISA 8.0 (CUDA 12.0+ drivers) and writes it to
# src/main/resources/dev/colossus/cuda/ptx/<name>.ptx, which is committed: users need no CUDA toolkit.
# A source with a line "// ptx-variant: <variant> <nvcc flags>" is also built with those flags into
# <name>.<variant>.ptx (the "unvalidated" variants hold what has not yet run on a GPU). Each PTX is
# then assembled by ptxas to SASS, <name>[.<variant>].<sm_arch>.cubin, and ptxas's release written to
# ptxas-version.txt.
# Needs nvcc and ptxas (13.0 made the committed files) and JDK 25.
#   cuda-backend/build-ptx.sh [OUTPUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/src/main/resources/dev/colossus/cuda/ptx}"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
mkdir -p "$out"
written=()
for source in "$here"/src/main/cuda/*/*.cu; do
    ptx="$out/$(basename "$source" .cu).ptx"
    target="$(sed -n '1s|^// ptx-target: \(compute_[0-9a-z]*\)$|\1|p' "$source")"
    nvcc --ptx -arch="${target:-compute_80}" -std=c++17 -O3 -o "$ptx" "$source"
    written+=("$ptx")
    while read -r variant flags; do
        variant_ptx="$out/$(basename "$source" .cu).$variant.ptx"
        # shellcheck disable=SC2086
        nvcc --ptx -arch="${target:-compute_80}" -std=c++17 -O3 $flags -o "$variant_ptx" "$source"
        written+=("$variant_ptx")
    done < <(sed -n 's|^// ptx-variant: \([a-z]*\) \(.*\)$|\1 \2|p' "$source")
done
# Launched as a single source file, away from the module's other sources.
tool="$(mktemp -d)"
trap 'rm -rf "$tool"' EXIT
mkdir -p "$tool/dev/colossus/cuda"
cp "$here/src/main/java/dev/colossus/cuda/PtxVersion.java" "$tool/dev/colossus/cuda/"
"$java" "$tool/dev/colossus/cuda/PtxVersion.java" 8.0 "${written[@]}"
# SASS beside the PTX, assembled from it: sm_90a for the modules of Hopper's own instructions, else
# sm_80 (every 8.x GPU runs it) and sm_90. Loaded before the PTX where the GPU matches (Sass.java).
cubins=()
rm -f "$out"/*.cubin
for ptx in "${written[@]}"; do
    if grep -q '^\.target sm_90a' "$ptx"; then archs="sm_90a"; else archs="sm_80 sm_90"; fi
    for arch in $archs; do
        # -v as CommittedPtxTest runs it for the spill report (the cubin differs with and without it)
        if ! ptxas -v -arch="$arch" -O3 -o "${ptx%.ptx}.$arch.cubin" "$ptx" > "$tool/ptxas.log" 2>&1; then
            cat "$tool/ptxas.log" >&2
            exit 1
        fi
        cubins+=("${ptx%.ptx}.$arch.cubin")
    done
done
ptxas --version | tail -1 > "$out/ptxas-version.txt"
printf '%s\n' "${written[@]}" "${cubins[@]}"
