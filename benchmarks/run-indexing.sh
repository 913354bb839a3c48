#!/usr/bin/env bash
# IndexingBench (embedding, cat, copyFrom, rotary beside a copy of as many bytes by as many threads),
# the copy made of 4 KiB pieces (copyInPieces) and from a source the cache does not hold
# (copyColdInPieces), each op on its own and timed beside the copy
# (besideCopy), 3 forks, and its report:
# benchmarks/results/cpu/indexing.{json,md}. About 12 minutes on 2 cores.
#   benchmarks/run-indexing.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
out="${1:-benchmarks/results/cpu}"
mkdir -p "$out"
mvn -q -B -DskipTests install
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar IndexingBench \
    -rf json -rff "$out/indexing.json"
"$JAVA_HOME/bin/java" -cp benchmarks/target/benchmarks.jar dev.colossus.bench.IndexingReport "$out/indexing.json" "$out/indexing.md"
