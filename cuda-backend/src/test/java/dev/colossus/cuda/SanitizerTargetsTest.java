package dev.colossus.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.op.UnaryFn;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.Generators.Layout;
import dev.colossus.testkit.Generators.Values;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Small launches of the Hopper kernels whose warps synchronise through barriers, for {@code
 * compute-sanitizer --tool racecheck} and {@code synccheck} ({@code gpu-check.sh run sanitize}): small
 * enough to run under the sanitizer, large enough that every barrier turns. Each is checked against the composed path too.
 */
class SanitizerTargetsTest {
    @BeforeAll
    static void needsAGpu() {
        assumeTrue(Backends.availableNames().contains("cuda"), () -> "no GPU here: " + new CudaBackendProvider().probe());
    }

    /** {@code body} on the GPU with the system property {@code key} set to {@code value}, then cleared. */
    private static <T> T with(String key, String value, Supplier<T> body) {
        System.setProperty(key, value);
        try {
            return Backends.using(Backends.get("cuda"), body);
        } finally {
            System.clearProperty(key);
        }
    }

    /** As {@link #with} with two properties. */
    private static <T> T with(String key, String value, String key2, String value2, Supplier<T> body) {
        System.setProperty(key2, value2);
        try {
            return with(key, value, body);
        } finally {
            System.clearProperty(key2);
        }
    }

    /**
     * linear+GELU, 1024 tokens into 2560 features, K = 128: 160 tiles of 128 x 128, more than an H100's
     * or H200's 132 multiprocessors, so some persistent ping-pong blocks take two and both consumers
     * take turns.
     */
    @Test
    void aSmallPingPongGemm() {
        try (Scope scope = Scope.open()) {
            Tensor x = Generators.tensor(90, DType.BF16, Values.PLAIN, Layout.CONTIGUOUS, 1024, 128).to(Device.cuda(0));
            Tensor w = Generators.tensor(91, DType.BF16, Values.PLAIN, Layout.CONTIGUOUS, 2560, 128).to(Device.cuda(0));
            Tensor bias = Generators.tensor(92, DType.BF16, Values.PLAIN, Layout.CONTIGUOUS, 2560).to(Device.cuda(0));
            Tensor composed = with("colossus.cuda.gemm", "cublas", () -> Ops.linear(x, w, bias, UnaryFn.GELU)).to(Device.CPU);
            Tensor fused = with("colossus.cuda.gemm", "custom", () -> Ops.linear(x, w, bias, UnaryFn.GELU)).to(Device.CPU);
            TensorAssert.assertRelativeL2("ping-pong linear+gelu 1024x2560x128", composed, fused, Tolerance.of(DType.BF16));
        }
    }

    /** The Hopper attention kernel on two query blocks and three key blocks, causal, and causal with Lq > Lk. */
    @Test
    void aSmallHopperAttention() {
        for (long[] c : new long[][] {{300, 300}, {200, 70}}) {
            try (Scope scope = Scope.open()) {
                Tensor q = Generators.tensor(93, DType.BF16, Values.PLAIN, Layout.CONTIGUOUS, 1, 2, c[0], 128).to(Device.cuda(0));
                Tensor k = Generators.tensor(94, DType.BF16, Values.PLAIN, Layout.CONTIGUOUS, 1, 2, c[1], 128).to(Device.cuda(0));
                Tensor v = Generators.tensor(95, DType.BF16, Values.PLAIN, Layout.CONTIGUOUS, 1, 2, c[1], 128).to(Device.cuda(0));
                AttentionOptions causal = AttentionOptions.defaults().causal(true);
                Tensor composed = with("colossus.cuda.attention", "composed", () -> Ops.scaledDotProductAttention(q, k, v, causal))
                        .to(Device.CPU);
                Tensor fused = with("colossus.cuda.attention", "fused", "colossus.cuda.attentionKernel", "wgmma",
                        () -> Ops.scaledDotProductAttention(q, k, v, causal)).to(Device.CPU);
                TensorAssert.assertRelativeL2("Hopper attention, causal, Lq " + c[0] + ", Lk " + c[1], composed, fused,
                        Tolerance.of(DType.BF16));
            }
        }
    }
}
