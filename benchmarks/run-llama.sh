#!/usr/bin/env bash
# LlamaBench (a Llama 3.2 1B decode step, BF16, beside a copy of 1 GiB by as many threads), 3 forks,
# and its report: benchmarks/results/cpu/llama.{json,md}. About 5 minutes on 2 cores, and 2.5 GB in
# java.io.tmpdir for the weights (written once, about 30 s).
#   benchmarks/run-llama.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
out="${1:-benchmarks/results/cpu}"
mkdir -p "$out"
mvn -q -B -DskipTests install
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar LlamaBench \
    -rf json -rff "$out/llama.json"
"$JAVA_HOME/bin/java" -cp benchmarks/target/benchmarks.jar dev.colossus.bench.LlamaReport "$out/llama.json" "$out/llama.md"
