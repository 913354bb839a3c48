package dev.colossus.bench;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
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
 * Scaled dot-product attention, B = 1, Hq = 16, Hkv = 4 (grouped), D = 64, Lq = Lk = L, per backend,
 * dtype, L and causality; the reference backend is the baseline in the same run.
 * GFLOP/s = 4 B Hq L^2 D / time, halved when causal.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar AttentionBench -p seqLen=256
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBench {
    private static final int HEADS = 16;
    private static final int KV_HEADS = 4;
    private static final int HEAD_DIM = 64;

    @Param({"cpu", "reference"})
    public String backend;

    @Param({"F32", "BF16"})
    public String dtype;

    @Param({"256", "1024"})
    public int seqLen;

    @Param({"false", "true"})
    public boolean causal;

    private Backend chosen;
    private Tensor q;
    private Tensor k;
    private Tensor v;

    @Setup
    public void setUp() {
        chosen = Backends.get(backend);
        DType type = DType.valueOf(dtype);
        q = Tensor.randn(1, type, 1, HEADS, seqLen, HEAD_DIM).to(chosen.device());
        k = Tensor.randn(2, type, 1, KV_HEADS, seqLen, HEAD_DIM).to(chosen.device());
        v = Tensor.randn(3, type, 1, KV_HEADS, seqLen, HEAD_DIM).to(chosen.device());
    }

    @Benchmark
    public long attention() {
        AttentionOptions options = AttentionOptions.defaults().causal(causal);
        try (Tensor out = Backends.using(chosen, () -> Ops.scaledDotProductAttention(q, k, v, options))) {
            chosen.synchronize();
            return out.numel();
        }
    }

    @TearDown
    public void tearDown() {
        q.close();
        k.close();
        v.close();
    }
}
