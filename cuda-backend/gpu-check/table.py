"""Sets the colossus and torch CSV lines of one GPU check side by side as a Markdown table.
Ratio = Colossus's rate over PyTorch's (for us/op, PyTorch's over Colossus's: above 1 is Colossus
ahead either way). A second table sets each variant of Colossus (case_custom, case_composed) beside
the plain case: the custom GEMM against cuBLAS, the fused attention and linear against the composed,
the mma.sync attention kernel (case_mma_sync) against the default (on Hopper, attention_sm90a.cu),
attention with its log-sum-exps (case_lse) against attention alone.
   python3 table.py colossus.csv torch.csv"""
import sys

rows = {}
for path in sys.argv[1:]:
    for line in open(path):
        parts = line.strip().split(",")
        if len(parts) == 5 and parts[0] in ("colossus", "torch"):
            who, case, seconds, rate, unit = parts
            rows.setdefault(case, {})[who] = (float(rate), unit)

print("| case | Colossus | PyTorch | unit | Colossus / PyTorch |")
print("|---|---:|---:|---|---:|")
for case, found in rows.items():
    ours, theirs = found.get("colossus"), found.get("torch")
    unit = (ours or theirs)[1]
    ratio = ""
    if ours and theirs and ours[0] > 0 and theirs[0] > 0:
        ratio = f"{(theirs[0] / ours[0] if unit == 'us/op' else ours[0] / theirs[0]):.3f}"
    fmt = lambda r: f"{r[0]:.2f}" if r else "-"
    print(f"| {case} | {fmt(ours)} | {fmt(theirs)} | {unit} | {ratio} |")

variants = [(case, base, suffix) for case in rows for suffix in ("_custom", "_custom_mma", "_composed", "_mma_sync", "_lse")
            if case.endswith(suffix) and (base := case[: -len(suffix)]) in rows]
if variants:
    print()
    print("| case | variant | Colossus variant | Colossus plain | unit | variant / plain |")
    print("|---|---|---:|---:|---|---:|")
    for case, base, suffix in variants:
        v, p = rows[case].get("colossus"), rows[base].get("colossus")
        if v and p:
            print(f"| {base} | {suffix[1:]} | {v[0]:.2f} | {p[0]:.2f} | {v[1]} | {v[0] / p[0]:.3f} |")
