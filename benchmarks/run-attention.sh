#!/usr/bin/env bash
# The attention benchmarks committed under benchmarks/results/cpu/attention.md, in one sitting:
# AttentionBench (the fused kernel and the composed path: prefill B=1 H=16 L=2048 D=128, plain and
# causal; decode Hq=32 Hkv=8 Lk=8192 D=128 with an F32 and a BF16 cache), beside the CPU backend's
# F32 GEMM at 2048 (MatMulBench) and a plain copy of 32 MiB, the decode's K/V bytes in BF16
# (MatMulBench copy, 1x4096x2048); then ElementwiseBench (add, scale, relu, softmax, rmsNorm, addRmsNorm fused and
# as two ops, logSoftmax, layerNorm, exp, gelu, a cast to BF16, a row sum, over 16M floats beside a
# plain copy of as many). About 8 minutes on 2 cores.
#   benchmarks/run-attention.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/java-home.sh
out="${1:-benchmarks/results/cpu}"
mkdir -p "$out"
mvn -q -B -DskipTests install
tmp=$(mktemp -d)
jmh() {
    local file=$1; shift
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar \
        -rf json -rff "$tmp/$file" "$@"
}
jmh 1-prefill.json AttentionBench -p variant=fused,composed -p shape=prefill -p dtype=F32 -p causal=false,true
jmh 2-decode.json AttentionBench -p variant=fused -p shape=decode -p dtype=F32,BF16 -p causal=false
jmh 3-gemm.json MatMulBench -p impl=colossus -p shape=2048
jmh 4-copy.json MatMulBench -p impl=copy -p shape=1x4096x2048
jmh 5-elementwise.json ElementwiseBench
python3 - "$tmp" "$out" <<'PY'
import glob, json, sys
tmp, out = sys.argv[1], sys.argv[2]
results = [r for f in sorted(glob.glob(tmp + "/*.json")) for r in json.load(open(f))]
json.dump(results, open(out + "/attention.json", "w"), indent=1)
ms = lambda r: r["primaryMetric"]["score"]
elementwise = {r["params"]["op"]: ms(r) for r in results if r["benchmark"].endswith("ElementwiseBench.run")}
att = [r for r in results if r["benchmark"].endswith("AttentionBench.attention")]
gemm = next(r for r in results if r["benchmark"].endswith("MatMulBench.matmul") and r["params"]["impl"] == "colossus")
copy = next(r for r in results if r["benchmark"].endswith("MatMulBench.matmul") and r["params"]["impl"] == "copy")
gemm_rate = 2 * 2048**3 / (ms(gemm) * 1e-3) / 1e9
copy_rate = 2 * 4096 * 2048 * 4 / (ms(copy) * 1e-3) / 1e9
dims = {"prefill": (1, 16, 16, 2048, 2048, 128), "decode": (1, 32, 8, 1, 8192, 128)}
lines = ["# CPU attention", "",
         "One sitting of `benchmarks/run-attention.sh` on this 2-core Zen 5 VM (2 threads). Prefill: GFLOP/s =",
         "4 B Hq Lq Lk D / time, halved when causal. Decode: GB/s over the bytes of K and V.", "",
         f"Yardsticks from the same sitting: the CPU backend's F32 GEMM at 2048^3, {gemm_rate:.1f} GFLOP/s; "
         f"a plain copy of 32 MiB, {copy_rate:.1f} GB/s (read + written).", "",
         "| variant | shape | dtype | causal | ms | GFLOP/s | GB/s | vs GEMM 2048 | vs copy |", "|---|---|---|---|---:|---:|---:|---:|---:|"]
rates = {}
for r in att:
    p = r["params"]
    b, hq, hkv, lq, lk, d = dims[p["shape"]]
    causal = p["causal"] == "true"
    seconds = ms(r) * 1e-3
    flops = 4 * b * hq * lq * lk * d * (0.5 if causal else 1)
    gflops = flops / seconds / 1e9
    size = 2 if p["dtype"] in ("BF16", "F16") else 4
    gbs = 2 * b * hkv * lk * d * size / seconds / 1e9 if p["shape"] == "decode" else None
    rates[(p["variant"], p["shape"], p["dtype"], causal)] = ms(r)
    lines.append(f"| {p['variant']} | {p['shape']} | {p['dtype']} | {causal} | {ms(r):.2f} | {gflops:.1f} | "
                 + (f"{gbs:.1f}" if gbs else "-") + f" | {gflops / gemm_rate:.2f} | " + (f"{gbs / copy_rate:.2f}" if gbs else "-") + " |")
lines.append("")
for causal in (False, True):
    fused, composed = rates.get(("fused", "prefill", "F32", causal)), rates.get(("composed", "prefill", "F32", causal))
    if fused and composed:
        lines.append(f"- Prefill{' causal' if causal else ''}: fused {composed / fused:.2f}x faster than composed.")
plain, causal = rates.get(("fused", "prefill", "F32", False)), rates.get(("fused", "prefill", "F32", True))
if plain and causal:
    lines.append(f"- Fused prefill, causal {plain / causal:.2f}x faster than plain.")
floats_bytes = 4096 * 4096 * 4
lines += ["", "## Memory-bound ops over 16M floats (F32, 4096 rows of 4096), each writing a new tensor", "",
          "GB/s = bytes read + written / time (add reads two tensors; addRmsNorm reads two and writes two, "
          "and add+rmsNorm, the same as two ops, is counted the same; toBf16 writes half as many bytes as it reads; "
          "rowSum writes one value per row; addBf16 and biasAddBf16 move BF16, half the bytes a float does).", "",
          "| op | ms | GB/s | vs copy |", "|---|---:|---:|---:|"]
copy16 = 2 * floats_bytes / (elementwise["copy"] * 1e-3) / 1e9
for name, moved in (("copy", 2), ("add", 3), ("scale", 2), ("relu", 2), ("softmax", 2), ("rmsNorm", 2), ("addRmsNorm", 4), ("add+rmsNorm", 4),
                    ("logSoftmax", 2), ("layerNorm", 2), ("exp", 2), ("gelu", 2), ("toBf16", 1.5), ("rowSum", 1),
                    ("addBf16", 1.5), ("biasAddBf16", 1)):
    rate = moved * floats_bytes / (elementwise[name] * 1e-3) / 1e9
    lines.append(f"| {name} | {elementwise[name]:.2f} | {rate:.1f} | {rate / copy16:.2f} |")
open(out + "/attention.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
