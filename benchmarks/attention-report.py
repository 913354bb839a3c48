#!/usr/bin/env python3
"""The report of one sitting of run-attention.sh: DIR/attention.json (JMH's results) into
DIR/attention.md (tables of times, rates and ratios to the yardsticks) and DIR/attention.svg
(each done-when ratio of the CPU attention issue as a bar beside its target).

    benchmarks/attention-report.py DIR
"""
import json
import sys

out = sys.argv[1]
results = json.load(open(out + "/attention.json"))


def fork_means(r):
    return [sum(fork) / len(fork) for fork in r["primaryMetric"]["rawData"]]


def ms(r):
    """The median fork's mean time: a fork can run a kernel at one of two speeds for its whole life."""
    means = sorted(fork_means(r))
    return means[len(means) // 2]


elementwise = {r["params"]["op"]: ms(r) for r in results if r["benchmark"].endswith("ElementwiseBench.run")}
att = [r for r in results if r["benchmark"].endswith("AttentionBench.attention")]
gemm = next(r for r in results if r["benchmark"].endswith("MatMulBench.matmul") and r["params"]["impl"] == "colossus")
copy = next(r for r in results if r["benchmark"].endswith("MatMulBench.matmul") and r["params"]["impl"] == "copy")
gemm_rate = 2 * 2048**3 / (ms(gemm) * 1e-3) / 1e9
copy_rate = 2 * 4096 * 2048 * 4 / (ms(copy) * 1e-3) / 1e9
dims = {"prefill": (1, 16, 16, 2048, 2048, 128), "decode": (1, 32, 8, 1, 8192, 128)}
lines = ["# CPU attention", "",
         "One sitting of `benchmarks/run-attention.sh` on this 2-core Zen 5 VM (2 threads). Prefill: GFLOP/s =",
         "4 B Hq Lq Lk D / time, halved when causal. Decode: GB/s over the bytes of K and V. Where a benchmark ran in "
         "several forks, ms is the median fork's mean and the forks' means are listed. "
         "`attention.svg` plots the ratios against the issue's targets.", "",
         f"Yardsticks from the same sitting: the CPU backend's F32 GEMM at 2048^3, {gemm_rate:.1f} GFLOP/s; "
         f"a plain copy of 32 MiB, {copy_rate:.1f} GB/s (read + written).", "",
         "| variant | shape | dtype | causal | ms | forks (ms) | GFLOP/s | GB/s | vs GEMM 2048 | vs copy |",
         "|---|---|---|---|---:|---|---:|---:|---:|---:|"]
rates = {}
bars = []  # (label, value, target, group)
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
    means = fork_means(r)
    forks = " / ".join(f"{m:.1f}" for m in means) if len(means) > 1 else "-"
    lines.append(f"| {p['variant']} | {p['shape']} | {p['dtype']} | {causal} | {ms(r):.2f} | {forks} | {gflops:.1f} | "
                 + (f"{gbs:.1f}" if gbs else "-") + f" | {gflops / gemm_rate:.2f} | " + (f"{gbs / copy_rate:.2f}" if gbs else "-") + " |")
    if p["variant"] == "fused" and p["shape"] == "prefill" and not causal:
        bars.append(("prefill F32 / GEMM 2048", gflops / gemm_rate, 0.70, "ratio"))
    if p["variant"] == "fused" and p["shape"] == "decode":
        bars.append((f"decode {p['dtype']} / copy", gbs / copy_rate, 0.70 if p["dtype"] == "BF16" else None, "ratio"))
lines.append("")
for causal in (False, True):
    fused, composed = rates.get(("fused", "prefill", "F32", causal)), rates.get(("composed", "prefill", "F32", causal))
    if fused and composed:
        lines.append(f"- Prefill{' causal' if causal else ''}: fused {composed / fused:.2f}x faster than composed.")
        bars.append((f"prefill{' causal' if causal else ''}: composed / fused", composed / fused, None if causal else 3.0, "speedup"))
plain, causal = rates.get(("fused", "prefill", "F32", False)), rates.get(("fused", "prefill", "F32", True))
if plain and causal:
    lines.append(f"- Fused prefill, causal {plain / causal:.2f}x faster than plain.")
    bars.append(("prefill: plain / causal", plain / causal, 1.7, "speedup"))
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
    if name != "copy":
        bars.append((f"{name} / copy", rate / copy16, 0.80 if name in ("softmax", "rmsNorm", "add") else None, "ratio"))
open(out + "/attention.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))


def svg(bars):
    """Horizontal bars, ratios on one axis and speedups on another, each target a red tick."""
    left, bar_h, gap, plot_w, top = 230, 16, 6, 460, 40
    groups = [("ratio to its yardstick (the same sitting)", [b for b in bars if b[3] == "ratio"]),
              ("speedup (x)", [b for b in bars if b[3] == "speedup"])]
    height = top + sum(40 + len(g) * (bar_h + gap) for _, g in groups) + 20
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + plot_w + 60}" height="{height}" font-family="sans-serif" font-size="12">',
         f'<rect width="{left + plot_w + 60}" height="{height}" fill="white"/>',
         f'<text x="10" y="20" font-size="14">CPU attention and memory-bound ops: bars measured, red ticks the targets</text>']
    y = top
    for title, group in groups:
        if not group:
            continue
        scale_max = max(max(v for _, v, _, _ in group), max((t for _, _, t, _ in group if t), default=0)) * 1.1
        s.append(f'<text x="{left}" y="{y + 12}" font-weight="bold">{title}</text>')
        y += 20
        for k in range(0, int(scale_max * 2) + 1):
            x = left + plot_w * (k / 2) / scale_max
            s.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + len(group) * (bar_h + gap)}" stroke="#ddd"/>')
            s.append(f'<text x="{x:.1f}" y="{y + len(group) * (bar_h + gap) + 12}" text-anchor="middle" font-size="10">{k / 2:g}</text>')
        for label, value, target, _ in group:
            w = plot_w * value / scale_max
            colour = "#4a7ab5" if target is None or value >= target else "#d08c3c"
            s.append(f'<text x="{left - 6}" y="{y + bar_h - 4}" text-anchor="end">{label}</text>')
            s.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
            s.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 4}" font-size="10">{value:.2f}</text>')
            if target:
                x = left + plot_w * target / scale_max
                s.append(f'<line x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{y + bar_h + 2}" stroke="#c00" stroke-width="2"/>')
            y += bar_h + gap
        y += 20
    s.append("</svg>")
    return "\n".join(s) + "\n"


open(out + "/attention.svg", "w").write(svg(bars))
