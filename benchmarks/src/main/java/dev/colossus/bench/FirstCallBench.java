package dev.colossus.bench;

import dev.colossus.AttentionOptions;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import dev.colossus.WarmUp;
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
 * What a short-lived program sees: each fork is a fresh JVM, and its measured iterations are its
 * first {@value #CALLS} calls of one op, one call each ({@code SingleShotTime}, no warm-up), F32 on
 * the CPU backend at the SIMD width {@code simd} asks ({@code vector}: the Vector API's preferred
 * width; {@code scalar}: {@code -Dcolossus.cpu.vectorBits=0}, set before the backend loads):
 * <ul>
 *   <li>{@code matmul}: (256, 256) x (256, 256);</li>
 *   <li>{@code attention}: q, k, v (1, 8, 256, 64), causal;</li>
 *   <li>{@code softmax}: (256, 1024) along the last dim.</li>
 * </ul>
 * {@link FirstCallReport} takes, per case, the median over forks of calls 1, 2 and 3 and of the last
 * ten calls (warm: by then C2 has compiled the kernels).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = FirstCallBench.CALLS)
@Fork(value = 10, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class FirstCallBench {
    /** The calls measured in each fork. */
    public static final int CALLS = 60;

    @Param({"matmul", "attention", "softmax"})
    public String op;

    @Param({"vector", "scalar"})
    public String simd;

    /** Milliseconds between starting {@link WarmUp#inBackground()} and the first call; 0: no warm-up. */
    @Param({"0"})
    public long warmUpMs;

    private Tensor a;
    private Tensor b;
    private Tensor c;

    @Setup
    public void setUp() throws InterruptedException {
        if (simd.equals("scalar")) {
            System.setProperty("colossus.cpu.vectorBits", "0");
        }
        switch (op) {
            case "matmul" -> {
                a = Tensor.randn(1, DType.F32, 256, 256);
                b = Tensor.randn(2, DType.F32, 256, 256);
            }
            case "attention" -> {
                a = Tensor.randn(1, DType.F32, 1, 8, 256, 64);
                b = Tensor.randn(2, DType.F32, 1, 8, 256, 64);
                c = Tensor.randn(3, DType.F32, 1, 8, 256, 64);
            }
            case "softmax" -> a = Tensor.randn(1, DType.F32, 256, 1024);
            default -> throw new IllegalArgumentException("unknown op " + op);
        }
        if (warmUpMs > 0) {
            WarmUp.inBackground();
            Thread.sleep(warmUpMs);
        }
    }

    @Benchmark
    public long call() {
        try (Tensor out = switch (op) {
            case "matmul" -> Ops.matmul(a, b);
            case "attention" -> Ops.scaledDotProductAttention(a, b, c, AttentionOptions.defaults().causal(true));
            case "softmax" -> Ops.softmax(a, -1);
            default -> throw new IllegalArgumentException("unknown op " + op);
        }) {
            return out.numel();
        }
    }

    @TearDown
    public void tearDown() {
        for (Tensor t : new Tensor[] {a, b, c}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
