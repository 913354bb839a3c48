#!/usr/bin/env bash
# The committed PTX as ptxas assembles it for each target: registers, stack frame and spills of
# every kernel, as a Markdown table (CommittedPtxTest fails on any spill). Needs ptxas.
#   cuda-backend/ptxas-report.sh > report.md
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
echo "| module | kernel | target | registers | stack frame | spill stores | spill loads |"
echo "|---|---|---|---:|---:|---:|---:|"
for ptx in "$here"/src/main/resources/dev/colossus/cuda/ptx/*.ptx; do
    module="$(basename "$ptx" .ptx)"
    targets="sm_80 sm_90"
    [[ ${module%%.*} == *_sm90a ]] && targets="sm_90a"
    for target in $targets; do
        ptxas -v -arch="$target" -o /dev/null "$ptx" 2>&1 | awk -v module="$module" -v target="$target" '
            /Compiling entry function/ { match($0, /'"'"'[^'"'"']+'"'"'/); kernel = substr($0, RSTART + 1, RLENGTH - 2) }
            /bytes stack frame/ { frame = $1; stores = $5; loads = $9 }
            /Used [0-9]+ registers/ { match($0, /Used [0-9]+/); regs = substr($0, RSTART + 5, RLENGTH - 5);
                printf "| %s | %s | %s | %s | %s | %s | %s |\n", module, kernel, target, regs, frame, stores, loads }'
    done
done
