#!/usr/bin/env bash
# The attention benchmarks committed under benchmarks/results/cpu/attention.md, in one sitting:
# AttentionBench (the fused kernel, the composed path and PyTorch 2.10's scaled_dot_product_attention:
# prefill B=1 H=16 L=2048 D=128, plain and causal; decode Hq=32 Hkv=8 Lk=8192 D=128 with an F32 and
# a BF16 cache, fused and PyTorch), beside the CPU backend's
# F32 GEMM at 2048 (MatMulBench) and the copy yardstick (32 MiB by every thread), the decode's K/V bytes in BF16
# (MatMulBench copy, 1x4096x2048); then ElementwiseBench (add, scale, relu, softmax, rmsNorm, addRmsNorm fused and
# as two ops, logSoftmax, layerNorm, exp, gelu, a cast to BF16, a row sum, over 16M floats beside a
# copy yardstick of as many; add, a bias add, exp, silu, gelu and four functions in a row over 16M BF16 values). Prefill and the GEMM in 3 forks, the report taking the median fork: a fork runs the
# GEMM micro-kernel at one of two speeds for its whole life (about 100 or 135 ms here). About 13
# minutes on 2 cores. AttentionReport writes attention.md and attention.svg. OPENBLAS_CORETYPE is
# unset: PyTorch's library links OpenBLAS.
#   benchmarks/run-attention.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
unset OPENBLAS_CORETYPE
out="${1:-benchmarks/results/cpu}"
mkdir -p "$out"
mvn -q -B -DskipTests install
tmp=$(mktemp -d)
jmh() {
    local file=$1; shift
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar \
        -rf json -rff "$tmp/$file" "$@"
}
jmh 1-prefill.json AttentionBench -f 3 -wi 3 -i 3 -p variant=fused,composed,torch -p shape=prefill -p dtype=F32 -p causal=false,true
jmh 2-decode.json AttentionBench -p variant=fused,torch -p shape=decode -p dtype=F32,BF16 -p causal=false
jmh 3-gemm.json MatMulBench -f 3 -p impl=colossus -p shape=2048
jmh 4-copy.json MatMulBench -p impl=copy -p shape=1x4096x2048
jmh 5-elementwise.json ElementwiseBench
report() {
    "$JAVA_HOME/bin/java" -cp benchmarks/target/benchmarks.jar "dev.colossus.bench.$@"
}
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) processors" > "$out/attention-machine.txt"
report JmhResults "$out/attention.json" "$tmp"/*.json
report AttentionReport "$out"
