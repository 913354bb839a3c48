package dev.colossus.bench;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import dev.colossus.spi.Backend;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scaled dot-product attention, {@code (B, Hq, Lq, D) x (B, Hkv, Lk, D)}, per way of computing it:
 * <ul>
 *   <li>{@code fused}: {@code Ops.scaledDotProductAttention} on the backend {@code -Dcolossus.backend}
 *       picks (the CPU backend by default);
 *   <li>{@code composed}: the same through Colossus's own ops, {@code softmax(scale Q K^T + mask) V}
 *       (two matmuls and a softmax, the scores materialised; grouped K/V heads repeated for their
 *       query heads first, outside the timing);
 *   <li>{@code torch}: PyTorch 2.10's {@code scaled_dot_product_attention} on its CPU library (through
 *       org.bytedeco, on as many threads as the CPU backend), the same values in the same dtype, grouped
 *       heads by its {@code enable_gqa}: the peer a user would otherwise call.
 * </ul>
 * Every value each parameter accepts is in its {@code @Param}; the default run is their cross
 * product (108 combinations of 20 s or more: over half an hour). {@code benchmarks/run-attention.sh}
 * runs the sitting the report reads.
 * Shapes ({@code shape}): {@code prefill} B=1, Hq=Hkv=16, Lq=Lk=2048, D=128; {@code prefill-256}
 * the same at L=256; {@code prefill-1024-d64} the tour's, L=1024, D=64; {@code prefill-1024-d96}
 * Phi-3-mini's heads, Hq=Hkv=32, L=1024, D=96; {@code minilm-128}
 * all-MiniLM-L6-v2's heads for one sentence of 128 tokens, Hq=Hkv=12, L=128, D=32; {@code decode} B=1, Hq=32,
 * Hkv=8, Lq=1, Lk=8192, D=128 (the K/V cache, in {@code dtype}, streamed once). GFLOP/s = 4 B Hq
 * Lq Lk D / time, halved when causal; for decode, GB/s over the bytes of K and V (the report of
 * {@code benchmarks/run-attention.sh}).
 *
 * <pre>
 * benchmarks/run-attention.sh       # with MatMulBench at 2048 and the copy yardstick, in one run
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBench {
    @Param({"fused", "composed", "torch"})
    public String variant;

    @Param({"prefill", "prefill-256", "prefill-1024-d64", "prefill-1024-d96", "minilm-128", "decode"})
    public String shape;

    @Param({"F32", "BF16", "F16"})
    public String dtype;

    @Param({"false", "true"})
    public boolean causal;

    private Backend backend;
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor causalMask;
    private TorchAttention torch;

    @Setup
    public void setUp() {
        backend = Backends.forDevice(Device.CPU);
        long[] dims = switch (shape) {
            case "prefill" -> new long[] {1, 16, 16, 2048, 2048, 128};
            case "prefill-256" -> new long[] {1, 16, 16, 256, 256, 128};
            case "prefill-1024-d64" -> new long[] {1, 16, 16, 1024, 1024, 64};
            case "prefill-1024-d96" -> new long[] {1, 32, 32, 1024, 1024, 96};
            case "minilm-128" -> new long[] {1, 12, 12, 128, 128, 32};
            case "decode" -> new long[] {1, 32, 8, 1, 8192, 128};
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
        DType type = DType.valueOf(dtype);
        q = Tensor.randn(1, type, dims[0], dims[1], dims[3], dims[5]);
        k = Tensor.randn(2, type, dims[0], dims[2], dims[4], dims[5]);
        v = Tensor.randn(3, type, dims[0], dims[2], dims[4], dims[5]);
        if (variant.equals("composed") && dims[1] != dims[2]) {
            k = repeatedHeads(k, dims[1]);
            v = repeatedHeads(v, dims[1]);
        }
        if (variant.equals("torch")) {
            OpenBlasPeer.refuseForcedKernel(); // PyTorch's CPU library links OpenBLAS
            torch = new TorchAttention(q, k, v, causal);
        }
        if (causal) {
            long lq = dims[3], lk = dims[4];
            // Query i sees keys j <= i + (Lk - Lq): the mask is -Inf where j > i + (Lk - Lq).
            try (Tensor last = Tensor.arange(lk - lq, lk, 1, DType.F32); Tensor lastSeen = last.reshape(lq, 1);
                 Tensor keys = Tensor.arange(0, lk, 1, DType.F32); Tensor hidden = Ops.gt(keys, lastSeen);
                 Tensor minusInfinity = Tensor.scalar(Double.NEGATIVE_INFINITY, DType.F32)) {
                causalMask = Ops.where(hidden, minusInfinity, 0);
            }
        }
    }

    /** {@code (B, Hkv, L, D)} to {@code (B, heads, L, D)}: each K/V head copied for the query heads that share it. */
    private static Tensor repeatedHeads(Tensor x, long heads) {
        long b = x.size(0), hkv = x.size(1), l = x.size(2), d = x.size(3);
        try (x; Tensor grouped = x.unsqueeze(2); Tensor expanded = grouped.expand(b, hkv, heads / hkv, l, d)) {
            return expanded.reshape(b, heads, l, d);
        }
    }

    @Benchmark
    public long attention() {
        if (torch != null) {
            return torch.attention();
        }
        try (Tensor out = Backends.using(backend, this::compute)) {
            return out.numel();
        }
    }

    private Tensor compute() {
        if (!variant.equals("composed")) {
            return Ops.scaledDotProductAttention(q, k, v, AttentionOptions.defaults().causal(causal));
        }
        try (Tensor kt = k.transpose(-1, -2); Tensor product = Ops.matmul(q, kt);
             Tensor scores = Ops.mul(product, 1 / Math.sqrt(q.shape().dim(-1)))) {
            if (!causal) {
                try (Tensor weights = Ops.softmax(scores, -1)) {
                    return Ops.matmul(weights, v);
                }
            }
            try (Tensor masked = Ops.add(scores, causalMask); Tensor weights = Ops.softmax(masked, -1)) {
                return Ops.matmul(weights, v);
            }
        }
    }

    @TearDown
    public void tearDown() {
        q.close();
        k.close();
        v.close();
        if (causalMask != null) {
            causalMask.close();
        }
        if (torch != null) {
            torch.close();
        }
    }
}
