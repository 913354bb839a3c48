#!/usr/bin/env bash
# The CPU matmul's targets measured against this VM's noise: Colossus and OpenBLAS at N = 256..4096
# on 2 threads and 512..2048 on 1, BF16 at 2048, in 3 forks each, MatMulReport taking the median
# fork (a fork in a slow period moves a one-fork run by up to 0.4); EJML and ojAlgo at 1024 and the
# decode shapes beside a copy in one fork. About 16 minutes on 2 cores.
#   benchmarks/run-matmul-forks.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
out="${1:-/tmp/matmul-forks}"
mkdir -p "$out"
mvn -q -B -DskipTests install
jmh() {
    local threads=$1 file=$2; shift 2
    env -u OPENBLAS_CORETYPE "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
        -jar benchmarks/target/benchmarks.jar MatMulBench -jvmArgsAppend "-Dcolossus.cpu.threads=$threads" \
        -rf json -rff "$file" "$@"
}
jmh 2 "$out"/t2-main.json -f 3 -p impl=colossus,openblas -p shape=256,512,1024,2048,4096
jmh 2 "$out"/t2-bf16.json -f 3 -p impl=colossus-bf16 -p shape=2048
jmh 2 "$out"/t2-peers.json -p impl=ejml,ojalgo -p shape=1024
jmh 2 "$out"/t2-decode.json -p impl=colossus,copy -p shape=1x4096x4096,1x4096x4096t
jmh 1 "$out"/t1.json -f 3 -p impl=colossus,openblas -p shape=512,1024,2048
python3 - "$out" <<'PY'
import json, sys, glob
merged = []
for f in sorted(glob.glob(sys.argv[1] + "/t2-*.json")):
    merged += json.load(open(f))
json.dump(merged, open(sys.argv[1] + "/matmul-2threads.json", "w"), indent=1)
json.dump(json.load(open(sys.argv[1] + "/t1.json")), open(sys.argv[1] + "/matmul-1thread.json", "w"), indent=1)
PY
"$JAVA_HOME/bin/java" -cp benchmarks/target/benchmarks.jar dev.colossus.bench.MatMulReport "$out"/matmul \
    "2 threads, 3 forks=$out/matmul-2threads.json" "1 thread, 3 forks=$out/matmul-1thread.json"
