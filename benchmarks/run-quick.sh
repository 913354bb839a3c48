#!/usr/bin/env bash
# A first look at Colossus's speed beside its peers, in under 3 minutes once built: matmul beside
# OpenBLAS, attention, a few elementwise ops and the copy, an embedding lookup and rotary beside the
# copy, and MiniLM beside ONNX Runtime. One fork each with short warm-up, so the figures are
# indicative: the sittings the results are committed from are the other run-*.sh scripts.
#   benchmarks/run-quick.sh [OUT_DIR]    # JMH's JSON per suite in OUT_DIR (default: a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
[ -f benchmarks/target/benchmarks.jar ] || mvn -q -B -DskipTests install
quick() {
    local file=$1; shift
    env -u OPENBLAS_CORETYPE "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
        -jar benchmarks/target/benchmarks.jar "$@" -f 1 -wi 3 -w 1 -i 3 -r 1 -rf json -rff "$out/$file.json"
}
quick matmul MatMulBench -p impl=colossus,openblas -p shape=512,2048
quick attention AttentionBench -p variant=fused -p shape=prefill-256,decode -p dtype=F32 -p causal=true
quick elementwise ElementwiseBench -p op=copy,add,softmax,rmsNorm
quick indexing 'IndexingBench.run' -p op=copy,embedding,rotary
quick model ModelBench -p engine=colossus,ort -p input=tokens128
echo "JMH results in $out"
