package dev.colossus;

import dev.colossus.op.UnaryFn;
import java.time.Duration;

/**
 * Has the JIT compile the CPU kernels before a program's first real ops, while it does other work
 * (reads its weights, tokenizes): 256 x 256 products, small attention and the ops around them, run
 * over and over on the backend of CPU tensors, their results dropped.
 *
 * <p>Until the JIT has compiled a Vector API kernel, it runs interpreted, boxing every vector: in a
 * fresh JVM the first 256³ F32 matmul takes 300-400 ms against 0.5 ms warm. On the 2-core Zen 5
 * machine ({@code FirstCallBench -p op=matmul -p simd=vector -p warmUpMs=0,1500,3000 -f 5}, medians
 * over forks, {@code benchmarks/results/cpu/first-call-warm-up.md}): with {@link #inBackground()}
 * started 3 s before it, the first call took 21 ms (none: 336 ms; warm: 0.55); started 1.5 s before,
 * 577 ms, worse than none, as the warm-up, still running, competes for the cores. Start it when the
 * program starts, seconds before its first ops. Results do not change: the same kernels run, warm or
 * not.
 */
public final class WarmUp {
    /** How long {@link #inBackground()} runs. */
    public static final Duration BACKGROUND = Duration.ofSeconds(3);
    /** The products' size: large enough for the blocked, multi-task path that real layers take. */
    private static final int N = 256;

    private WarmUp() {
    }

    /**
     * Starts a daemon thread, {@code colossus-warm-up}, that runs {@link #run} for {@link #BACKGROUND}.
     *
     * @return the thread, started (join it to wait for the warm-up)
     */
    public static Thread inBackground() {
        Thread thread = new Thread(() -> run(BACKGROUND), "colossus-warm-up");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Runs rounds of ops on CPU tensors in this thread until {@code duration} has passed (one
     * round at least): F32 and BF16 products, a linear layer with GELU, causal attention in F32 and
     * BF16, softmax, layer and RMS norms, adds and products of elements. Every tensor is closed.
     *
     * @param duration how long to keep going
     * @return the rounds run
     */
    @SuppressWarnings("try") // the scopes close what the ops make; nothing in them is referred to
    public static int run(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        int rounds = 0;
        try (Scope inputs = Scope.open()) {
            Tensor a = Tensor.randn(1, DType.F32, N, N), b = Tensor.randn(2, DType.F32, N, N);
            Tensor a16 = a.to(DType.BF16), b16 = b.to(DType.BF16), bias = Tensor.randn(3, DType.F32, N);
            Tensor q = Tensor.randn(4, DType.F32, 1, 2, 64, 32), q16 = q.to(DType.BF16);
            Tensor ones = Tensor.full(1.0, DType.F32, N), zeros = Tensor.zeros(DType.F32, N);
            AttentionOptions causal = AttentionOptions.defaults().causal(true);
            do {
                try (Scope round = Scope.open()) {
                    Ops.matmul(a, b);
                    Ops.matmul(a16, b16);
                    Ops.linear(a, b, bias, UnaryFn.GELU);
                    Ops.scaledDotProductAttention(q, q, q, causal);
                    Ops.scaledDotProductAttention(q16, q16, q16, causal);
                    Ops.softmax(a, -1);
                    Ops.layerNorm(a, ones, zeros, 1e-5);
                    Ops.rmsNorm(a, ones, 1e-5);
                    Ops.mul(Ops.add(a, b), a);
                }
                rounds++;
            } while (System.nanoTime() < end);
        }
        return rounds;
    }
}
