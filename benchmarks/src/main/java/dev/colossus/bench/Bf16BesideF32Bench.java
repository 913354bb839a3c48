package dev.colossus.bench;

import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * BF16 against F32: {@code C = A B} of N x N by N x N on the CPU backend, with BF16 inputs (F32
 * accumulation and output) and with F32 inputs, the two products timed one after the other, call by
 * call in the same fork ({@link Beside}): the ratio of their times summed over a fork, F32's over
 * BF16's, is BF16's rate as a fraction of F32's, free of the machine's drift between forks. Timed in
 * separate forks minutes apart, as {@code MatMulBench}'s {@code colossus-bf16} is, the same jar read
 * 0.79 on a drifting 2-core machine where BF16 and F32 timed alternately in one JVM read 0.92-0.98.
 * {@code MatMulReport} lists each fork's ratio (issue 23: BF16 at least 0.90 of F32 at 2048, by the
 * slowest fork).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar Bf16BesideF32Bench -f 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Bf16BesideF32Bench {
    @Param({"2048"})
    public int n;

    private Tensor f32A;
    private Tensor f32B;
    private Tensor bf16A;
    private Tensor bf16B;

    @Setup
    public void setUp() {
        f32A = Tensor.randn(1, DType.F32, n, n);
        f32B = Tensor.randn(2, DType.F32, n, n);
        bf16A = f32A.to(DType.BF16);
        bf16B = f32B.to(DType.BF16);
    }

    /** The F32 product, then the BF16 one, each timed: the score is the pair's time. */
    @Benchmark
    public long besideF32(Beside beside) {
        long start = System.nanoTime();
        long elements;
        try (Tensor c = Ops.matmul(f32A, f32B)) {
            elements = c.numel();
        }
        long between = System.nanoTime();
        try (Tensor c = Ops.matmul(bf16A, bf16B)) {
            elements += c.numel();
        }
        long end = System.nanoTime();
        beside.f32Nanos += between - start;
        beside.bf16Nanos += end - between;
        beside.calls++;
        return elements;
    }

    /** {@link #besideF32}'s times, summed over each iteration: JMH reports them per iteration and fork. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Beside {
        public long f32Nanos;
        public long bf16Nanos;
        public long calls;

        @Setup(Level.Iteration)
        public void reset() {
            f32Nanos = 0;
            bf16Nanos = 0;
            calls = 0;
        }
    }

    @TearDown
    public void tearDown() {
        for (Tensor t : new Tensor[] {f32A, f32B, bf16A, bf16B}) {
            t.close();
        }
    }
}
