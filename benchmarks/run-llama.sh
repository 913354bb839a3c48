#!/usr/bin/env bash
# LlamaBench (Llama 3.2 1B, BF16: a decode step and a 512-token prefill on Colossus and on PyTorch 2.10,
# beside a copy of 1 GiB by as many threads), 3 forks, then each engine's decode step and the read
# yardstick timed call by call beside the copy (besideCopy), 3 forks, and its report: benchmarks/results/cpu/llama.{json,md},
# llama-beside.json. About 15 minutes on 2 cores, and 2.5 GB in java.io.tmpdir for the weights
# (written once, about 30 s).
#   benchmarks/run-llama.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
# PyTorch's library links OpenBLAS, which this variable would slow to Haswell's kernels.
unset OPENBLAS_CORETYPE
out="${1:-benchmarks/results/cpu}"
mkdir -p "$out"
mvn -q -B -DskipTests install
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar 'LlamaBench.run' \
    -rf json -rff "$out/llama.json"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar 'LlamaBench.besideCopy' \
    -p op=read,decode,torchDecode -rf json -rff "$out/llama-beside.json"
"$JAVA_HOME/bin/java" -cp benchmarks/target/benchmarks.jar dev.colossus.bench.LlamaReport "$out/llama.json" \
    "$out/llama-beside.json" "$out/llama.md"
