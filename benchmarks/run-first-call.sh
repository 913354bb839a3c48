#!/usr/bin/env bash
# FirstCallBench (the first 60 calls of a 256^3 matmul, a causal attention and a softmax in fresh
# JVMs, Vector API and scalar, 10 forks each) and its report: benchmarks/results/cpu/first-call.{json,md}.
# About 5 minutes on 2 cores.
#   benchmarks/run-first-call.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
out="${1:-benchmarks/results/cpu}"
mkdir -p "$out"
mvn -q -B -DskipTests install
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar FirstCallBench \
    -rf json -rff "$out/first-call.json"
"$JAVA_HOME/bin/java" -cp benchmarks/target/benchmarks.jar dev.colossus.bench.FirstCallReport "$out/first-call.json" "$out/first-call.md"
