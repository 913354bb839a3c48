#!/usr/bin/env bash
# ModelBench (all-MiniLM-L6-v2 on Colossus, F32 and BF16 weights, against ONNX Runtime on as many
# threads), 3 forks, its report, and where a pass's time goes (ModelProfile):
# benchmarks/results/cpu/model.{json,md}, model-profile.md. About 15 minutes on 2 cores.
#   benchmarks/run-models.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
out="${1:-benchmarks/results/cpu}"
mkdir -p "$out"
mvn -q -B -DskipTests install
jar=benchmarks/target/benchmarks.jar
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar "$jar" ModelBench -rf json -rff "$out/model.json"
"$JAVA_HOME/bin/java" -cp "$jar" dev.colossus.bench.ModelReport "$out/model.json" "$out/model.md"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$jar" \
    dev.colossus.bench.ModelProfile batch32 50 > "$out/model-profile.md"
