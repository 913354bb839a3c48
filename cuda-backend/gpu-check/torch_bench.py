"""PyTorch's numbers for the GPU check, one CSV line each (torch,case,seconds,rate,unit), for the same
cases as dev.colossus.bench.GpuBench: GEMM (bf16 at 2048, 4096, 8192, 4096x4096x1000, 1x8192x8192;
f16 and f32 with TF32 off at 8192; bf16 a @ w.t() at 4096 and 8192), linear + GELU (F.linear then F.gelu), F.linear alone (8192, 1, 64, 1024 tokens),
torch._scaled_mm (e4m3 by e4m3 into bf16, unit scales: 8192³ and F.linear's shapes), SDPA (B=4,
H=16, D=128, bf16, L = 1024..8192, plain and causal), decode SDPA (B=4, Hq=32, Hkv=8, one query,
Lk = 4k..64k, GB/s over K and V), x + y, x + bias and gelu(x) on (8192, 16384) bf16 (GB/s over the
bytes read and written), a device-to-device copy, a 1 GiB host-to-device copy from pinned
memory (and from pageable memory), and one small add. Median of five trials of about 0.3 s,
timed with CUDA events after a warm-up; inputs random."""
import sys

import torch
import torch.nn.functional as F

from timing import device_copy, report, time

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


for dtype, label in ((torch.bfloat16, "bf16"), (torch.float16, "f16"), (torch.float32, "f32")):
    shapes = ((8192,) * 3,) if dtype != torch.bfloat16 else \
        ((2048,) * 3, (4096,) * 3, (8192,) * 3, (4096, 4096, 1000), (1, 8192, 8192))
    for m, n, k in shapes:
        a = torch.randn(m, k, device="cuda", dtype=dtype)
        b = torch.randn(k, n, device="cuda", dtype=dtype)
        s = time(lambda: torch.matmul(a, b))
        shape = str(n) if m == n == k else f"{m}x{n}x{k}"
        report(f"gemm_{label}_{shape}", s, 2 * m * n * k / s / 1e12, "TFLOP/s")
        del a, b

for n in (4096, 8192):
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    w = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    s = time(lambda: torch.matmul(a, w.t()))
    report(f"gemm_bf16_{n}_tn", s, 2 * n**3 / s / 1e12, "TFLOP/s")
    del a, w

x = torch.randn(8192, 4096, device="cuda", dtype=torch.bfloat16)
w = torch.randn(16384, 4096, device="cuda", dtype=torch.bfloat16)
bias = torch.randn(16384, device="cuda", dtype=torch.bfloat16)
s = time(lambda: F.gelu(F.linear(x, w, bias)))
report("linear_gelu_bf16_8192x16384x4096", s, 2 * 8192 * 4096 * 16384 / s / 1e12, "TFLOP/s")
s = time(lambda: F.gelu(F.linear(x, w, bias), approximate="tanh"))
report("linear_gelutanh_bf16_8192x16384x4096", s, 2 * 8192 * 4096 * 16384 / s / 1e12, "TFLOP/s")
for tokens in (8192, 1, 64, 1024):
    xt = x[:tokens].contiguous()
    s = time(lambda: F.linear(xt, w, bias))
    report(f"linear_bf16_{tokens}x16384x4096", s, 2 * tokens * 4096 * 16384 / s / 1e12, "TFLOP/s")
del x, xt, w, bias

for m, n, k in ((8192, 8192, 8192), (8192, 16384, 4096), (1, 16384, 4096), (64, 16384, 4096), (1024, 16384, 4096)):
    name = f"fp8_e4m3_{n}" if n == k else f"fp8_linear_e4m3_{m}x{n}x{k}"
    a = torch.randn(m, k, device="cuda").to(torch.float8_e4m3fn)
    w = torch.randn(n, k, device="cuda").to(torch.float8_e4m3fn)
    one = torch.ones((), device="cuda")
    try:
        s = time(lambda: torch._scaled_mm(a, w.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16))
        report(name, s, 2 * m * n * k / s / 1e12, "TFLOP/s")
    except RuntimeError as e:
        print(f"{name}: torch._scaled_mm refused: {e}", file=sys.stderr)
    del a, w

for length in (1024, 2048, 4096, 8192):
    q, k, v = (torch.randn(4, 16, length, 128, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    for causal in (False, True):
        s = time(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
        flops = 4 * 4 * 16 * length * length * 128 * (0.5 if causal else 1)
        report(f"attention_bf16_b4h16l{length}d128" + ("_causal" if causal else ""), s, flops / s / 1e12, "TFLOP/s")
    del q, k, v

for keys in (4096, 8192, 16384, 32768, 65536):
    q = torch.randn(4, 32, 1, 128, device="cuda", dtype=torch.bfloat16)
    k, v = (torch.randn(4, 8, keys, 128, device="cuda", dtype=torch.bfloat16) for _ in range(2))
    s = time(lambda: F.scaled_dot_product_attention(q, k, v, enable_gqa=True))
    report(f"decode_bf16_b4h32kv8_lk{keys}", s, 2 * 4 * 8 * keys * 128 * 2 / s / 1e9, "GB/s")
    del q, k, v

x, y = (torch.randn(8192, 16384, device="cuda", dtype=torch.bfloat16) for _ in range(2))
bias = torch.randn(16384, device="cuda", dtype=torch.bfloat16)
nbytes = 2 * 8192 * 16384
for name, op, moved in (("add", lambda: x + y, 3), ("bias_add", lambda: x + bias, 2), ("gelu", lambda: F.gelu(x), 2)):
    s = time(op)
    report(f"{name}_bf16_8192x16384", s, moved * nbytes / s / 1e9, "GB/s")
del x, y, bias

device_copy()

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
