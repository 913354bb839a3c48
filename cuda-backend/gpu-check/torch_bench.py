"""PyTorch's numbers for the GPU check, one CSV line each (torch,case,seconds,rate,unit), for the same
cases as dev.colossus.bench.GpuBench: GEMM (bf16, f16, f32 with TF32 off) at 4096 and 8192, SDPA
(B=4, H=16, L=2048, D=128, bf16, plain and causal), a 1 GiB host-to-device copy from pinned memory
(and from pageable memory), and one small add. Median of five trials of about half a second, timed
with CUDA events after a warm-up; inputs random."""
import statistics

import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def time(op, trial_seconds=0.5):
    for _ in range(3):
        op()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    op()
    end.record()
    end.synchronize()
    once = max(start.elapsed_time(end) / 1e3, 1e-7)
    iterations = max(1, min(100_000, int(trial_seconds / once)))
    trials = []
    for _ in range(5):
        start.record()
        for _ in range(iterations):
            op()
        end.record()
        end.synchronize()
        trials.append(start.elapsed_time(end) / 1e3 / iterations)
    return statistics.median(trials)


def report(name, seconds, rate, unit):
    print(f"torch,{name},{seconds:.6e},{rate:.3f},{unit}", flush=True)


for dtype, label in ((torch.bfloat16, "bf16"), (torch.float16, "f16"), (torch.float32, "f32")):
    for n in (4096, 8192):
        a = torch.randn(n, n, device="cuda", dtype=dtype)
        b = torch.randn(n, n, device="cuda", dtype=dtype)
        s = time(lambda: torch.matmul(a, b))
        report(f"gemm_{label}_{n}", s, 2 * n**3 / s / 1e12, "TFLOP/s")
        del a, b

for causal in (False, True):
    q, k, v = (torch.randn(4, 16, 2048, 128, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    s = time(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
    flops = 4 * 4 * 16 * 2048 * 2048 * 128 * (0.5 if causal else 1)
    report("attention_bf16_b4h16l2048d128" + ("_causal" if causal else ""), s, flops / s / 1e12, "TFLOP/s")

nbytes = 1 << 30
for pinned in (True, False):
    host = torch.rand(nbytes // 4, dtype=torch.float32)
    if pinned:
        host = host.pin_memory()
    s = time(lambda: host.to("cuda", non_blocking=pinned))
    report("copy_h2d_1gib" + ("" if pinned else "_pageable"), s, nbytes / s / 1e9, "GB/s")

x, y = torch.randn(1024, device="cuda"), torch.randn(1024, device="cuda")
s = time(lambda: torch.add(x, y))
report("small_add_1024", s, s * 1e6, "us/op")
