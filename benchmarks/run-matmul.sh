#!/usr/bin/env bash
# The matmul sweep committed under benchmarks/results/cpu/: MatMulBench (Colossus, OpenBLAS, EJML,
# ojAlgo, the reference, the copy yardstick) with 2 threads (the cores) and with 1, then MatMulReport.
# OPENBLAS_CORETYPE is unset so OpenBLAS picks its best kernel for this CPU (this workplace sets it
# to Haswell, which halves OpenBLAS on AVX-512 machines; MatMulBench refuses to measure OpenBLAS while
# it is set), and the kernel OpenBLAS picked goes to OUT/matmul-openblas.txt. About 16 minutes on 2 cores.
# With "forks" (issue 23's sitting), the CPU GEMM's targets only, each benchmark in 5 forks: F32
# Colossus and OpenBLAS at N = 256..4096 with 2 threads and at 512..2048 with 1, BF16 beside F32 at
# 2048 (Bf16BesideF32Bench: the two timed call by call in each fork), F64 beside OpenBLAS's dgemm at
# 1024; EJML, ojAlgo and the decode shapes in one fork.
# MatMulReport takes the median fork and lists every fork. About 35 minutes.
#   benchmarks/run-matmul.sh [OUT_DIR] [forks]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
out="${1:-benchmarks/results/cpu}"
mkdir -p "$out"
mvn -q -B -DskipTests install
jmh() {
    local threads=$1 file=$2; shift 2
    env -u OPENBLAS_CORETYPE "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
        -jar benchmarks/target/benchmarks.jar -jvmArgsAppend "-Dcolossus.cpu.threads=$threads" \
        -rf json -rff "$file" "$@"
}
tmp=$(mktemp -d)
if [ "${2:-}" = forks ]; then
    jmh 2 "$tmp/t2-main.json" MatMulBench -f 5 -p impl=colossus,openblas -p shape=256,512,1024,2048,4096
    jmh 2 "$tmp/t2-bf16.json" Bf16BesideF32Bench -f 5
    jmh 2 "$tmp/t2-f64.json" MatMulBench -f 5 -p impl=colossus-f64,openblas-f64 -p shape=1024
    jmh 2 "$tmp/t2-peers.json" MatMulBench -p impl=ejml,ojalgo -p shape=1024
    jmh 2 "$tmp/t2-decode.json" MatMulBench -p impl=colossus,copy -p shape=1x4096x4096,1x4096x4096t
    jmh 1 "$tmp/t1.json" MatMulBench -f 5 -p impl=colossus,openblas -p shape=512,1024,2048
else
    jmh 2 "$tmp/t2-main.json" MatMulBench -p impl=colossus,colossus-bf16,openblas
    jmh 2 "$tmp/t2-peers.json" MatMulBench -p impl=ejml,ojalgo -p shape=64,128,256,512,1024
    jmh 2 "$tmp/t2-reference.json" MatMulBench -p impl=reference -p shape=64,128,256
    jmh 2 "$tmp/t2-copy.json" MatMulBench -p impl=copy -p shape=1x4096x4096,16x4096x11008,1x4096x4096t,16x4096x11008t
    jmh 2 "$tmp/t2-f64.json" MatMulBench -p impl=colossus-f64,openblas-f64 -p shape=256,1024
    jmh 1 "$tmp/t1.json" MatMulBench -p impl=colossus,openblas -p shape=512,1024,2048
fi
env -u OPENBLAS_CORETYPE "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
    dev.colossus.bench.OpenBlasPeer > "$out/matmul-openblas.txt"
"$JAVA_HOME/bin/java" -cp benchmarks/target/benchmarks.jar dev.colossus.bench.JmhResults "$out/matmul-2threads.json" "$tmp"/t2-*.json
cp "$tmp/t1.json" "$out/matmul-1thread.json"
"$JAVA_HOME/bin/java" -cp benchmarks/target/benchmarks.jar dev.colossus.bench.MatMulReport "$out/matmul" \
    "2 threads=$out/matmul-2threads.json" "1 thread=$out/matmul-1thread.json"
