package dev.colossus.bench;

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
 * {@code C = A B} for square N x N matrices, per backend and dtype; the reference backend is the
 * baseline in the same run. GFLOP/s = 2 N^3 / time.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar MatMulBench \
 *      -p size=1024 -p dtype=F32
 * </pre>
 * The reference takes seconds per product at N = 1024 (it is plain loops in double); leave it out
 * with {@code -p backend=cpu} for a sweep of sizes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatMulBench {
    @Param({"cpu", "reference"})
    public String backend;

    @Param({"F32", "BF16"})
    public String dtype;

    @Param({"256", "512", "1024"})
    public int size;

    private Backend chosen;
    private Tensor a;
    private Tensor b;

    @Setup
    public void setUp() {
        chosen = Backends.get(backend);
        a = Tensor.randn(1, DType.valueOf(dtype), size, size).to(chosen.device());
        b = Tensor.randn(2, DType.valueOf(dtype), size, size).to(chosen.device());
    }

    @Benchmark
    public long matmul() {
        try (Tensor c = Backends.using(chosen, () -> Ops.matmul(a, b))) {
            chosen.synchronize();
            return c.numel();
        }
    }

    @TearDown
    public void tearDown() {
        a.close();
        b.close();
    }
}
