package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.AttentionOptions;
import dev.colossus.AttentionResult;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.Generators.Layout;
import dev.colossus.testkit.Generators.Values;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link FusedAttention} at the lengths the conformance suite's reference cannot afford: many key
 * tiles and row blocks, and decode steps whose keys are split across blocks and merged, each compared
 * with the composed path ({@code -Dcolossus.cuda.attention=composed}) on the same inputs.
 */
class FusedAttentionTest {
    @BeforeAll
    static void needsAGpu() {
        assumeTrue(Backends.availableNames().contains("cuda"), () -> "no GPU here: " + new CudaBackendProvider().probe());
    }

    /** {@code body} on the GPU with {@code -Dcolossus.cuda.attention=mode}; its results stay there. */
    private static <T> T onGpu(String mode, Supplier<T> body) {
        System.setProperty("colossus.cuda.attention", mode);
        try {
            return Backends.using(Backends.get("cuda"), body);
        } finally {
            System.clearProperty("colossus.cuda.attention");
        }
    }

    /** (B, Hq, Hkv, Lq, Lk, D, causal) */
    private static final long[][] CASES = {
        {2, 8, 8, 1000, 1000, 128, 0},
        {2, 8, 8, 1000, 1000, 128, 1},
        {1, 8, 2, 777, 1500, 64, 1},
        {4, 32, 8, 1, 8191, 128, 0},
        {1, 32, 8, 4, 20000, 128, 1},
        {1, 16, 1, 2, 3000, 64, 0},
    };

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void longSequencesAndSplitDecodeMatchTheComposedPath(DType dtype) {
        long seed = 500;
        for (long[] c : CASES) {
            assertFusedMatchesComposed(dtype, seed, c, "default");
            seed += 3;
        }
    }

    /** (B, Hq, Hkv, Lq, Lk, D, causal): the Hopper kernel's tails (queries and keys not multiples of 128), GQA, Lq < Lk. */
    private static final long[][] HOPPER_CASES = {
        {1, 4, 4, 128, 128, 128, 0},
        {2, 8, 2, 300, 300, 128, 1},
        {1, 4, 1, 77, 500, 128, 0},
        {1, 2, 2, 513, 513, 128, 1},
        {1, 2, 2, 70, 200, 128, 1},
        {2, 16, 16, 1024, 1024, 128, 1},
        // causal with Lq > Lk: the first Lq - Lk query rows see no key, whole blocks of rows have no key tile
        {1, 4, 4, 300, 100, 128, 1},
        {2, 2, 1, 513, 129, 128, 1},
    };

    /**
     * {@code -Dcolossus.cuda.attentionKernel=wgmma}: on an H100 or H200 the Hopper kernel
     * ({@code attention_sm90a.cu}), elsewhere the mma.sync kernel, against the composed path.
     */
    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void hopperKernelMatchesTheComposedPath(DType dtype) {
        long seed = 700;
        for (long[] c : HOPPER_CASES) {
            assertFusedMatchesComposed(dtype, seed, c, "wgmma");
            seed += 3;
        }
    }

    /** Scales other than 1/sqrt(D): the Hopper kernel takes a positive one, the mma.sync kernel any other. */
    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void explicitScalesMatchTheComposedPath(DType dtype) {
        long seed = 800;
        for (double scale : new double[] {0.02, 0.3, -0.1}) {
            for (String kernel : new String[] {"default", "wgmma"}) {
                assertFusedMatchesComposed(dtype, seed++, new long[] {1, 4, 2, 300, 300, 128, 1}, kernel, scale);
            }
        }
    }

    /**
     * Queries and keys four and eight times as large: scores spread over hundreds, so that the kernels'
     * {@code exp2} takes exponents far below -126 (where a flushing {@code ex2} gives 0, as the exact
     * value nearly is), against the composed path.
     */
    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void scoresFarApartMatchTheComposedPath(DType dtype) {
        long seed = 850;
        for (double magnitude : new double[] {4, 8}) {
            for (String kernel : new String[] {"default", "wgmma"}) {
                assertFusedMatchesComposed(dtype, seed, new long[] {1, 4, 2, 300, 700, 128, 1}, kernel, Double.NaN, magnitude);
                seed += 3;
            }
        }
    }

    /**
     * The log-sum-exps, element by element, against the reference's (double arithmetic on the same
     * inputs), rows that see no key (-Inf) among them, within F32 rounding (atol 1e-3, rtol 1e-4): the
     * kernels compute them in F32 from the unrounded scores.
     */
    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void logSumExpsMatchTheReferenceElementByElement(DType dtype) {
        Tolerance tolerance = new Tolerance(1e-3, 1e-4, 1e-4, 64, 0x1p-23);
        long seed = 870;
        for (long[] c : new long[][] {{1, 4, 2, 130, 200, 128, 0}, {1, 4, 2, 200, 130, 128, 1}}) {
            for (String kernel : new String[] {"default", "wgmma"}) {
                try (Scope scope = Scope.open()) {
                    Tensor q = Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, c[0], c[1], c[3], c[5]);
                    Tensor k = Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, c[0], c[2], c[4], c[5]);
                    Tensor v = Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, c[0], c[2], c[4], c[5]);
                    AttentionOptions options = AttentionOptions.defaults().causal(c[6] == 1);
                    Tensor expected = Backends.using(Backends.get("reference"),
                            () -> Ops.scaledDotProductAttentionWithLogSumExp(q, k, v, options)).logSumExp();
                    if (!kernel.equals("default")) {
                        System.setProperty("colossus.cuda.attentionKernel", kernel);
                    }
                    try {
                        AttentionResult fused = onGpu("fused", () -> Ops.scaledDotProductAttentionWithLogSumExp(gpu(q), gpu(k), gpu(v), options));
                        TensorAssert.assertClose("log-sum-exps (" + kernel + ") vs the reference " + java.util.Arrays.toString(c), expected,
                                fused.logSumExp().to(Device.CPU), tolerance);
                    } finally {
                        System.clearProperty("colossus.cuda.attentionKernel");
                    }
                }
            }
        }
    }

    @Test
    void anUnknownKernelChoiceIsRefusedByName() {
        try (Scope scope = Scope.open()) {
            Tensor q = gpu(Generators.tensor(900, DType.BF16, Values.PLAIN, Layout.CONTIGUOUS, 1, 2, 8, 128));
            System.setProperty("colossus.cuda.attentionKernel", "fastest");
            try {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> onGpu("fused", () -> Ops.scaledDotProductAttention(q, q, q, AttentionOptions.defaults())));
                assertTrue(e.getMessage().contains("attentionKernel=fastest"), e.getMessage());
            } finally {
                System.clearProperty("colossus.cuda.attentionKernel");
            }
        }
    }

    /**
     * Case {@code c} (B, Hq, Hkv, Lq, Lk, D, causal) on fresh inputs from {@code seed}: the fused kernel
     * ({@code -Dcolossus.cuda.attentionKernel=kernel} unless "default") against the composed path.
     */
    private static void assertFusedMatchesComposed(DType dtype, long seed, long[] c, String kernel) {
        assertFusedMatchesComposed(dtype, seed, c, kernel, Double.NaN);
    }

    /**
     * As above, with {@code scale} (NaN: the default, 1/sqrt(D)); the fused kernel runs twice, without
     * and with the log-sum-exps, and both outputs and the log-sum-exps are compared.
     */
    private static void assertFusedMatchesComposed(DType dtype, long seed, long[] c, String kernel, double scale) {
        assertFusedMatchesComposed(dtype, seed, c, kernel, scale, 1);
    }

    /** As above, q and k multiplied by {@code magnitude}. */
    private static void assertFusedMatchesComposed(DType dtype, long seed, long[] c, String kernel, double scale, double magnitude) {
        try (Scope scope = Scope.open()) {
            Tensor q = gpu(Ops.mul(Generators.tensor(seed, dtype, Values.PLAIN, Layout.CONTIGUOUS, c[0], c[1], c[3], c[5]), magnitude));
            Tensor k = gpu(Ops.mul(Generators.tensor(seed + 1, dtype, Values.PLAIN, Layout.CONTIGUOUS, c[0], c[2], c[4], c[5]), magnitude));
            Tensor v = gpu(Generators.tensor(seed + 2, dtype, Values.PLAIN, Layout.CONTIGUOUS, c[0], c[2], c[4], c[5]));
            AttentionOptions options = AttentionOptions.defaults().causal(c[6] == 1).scale(scale);
            AttentionResult composed = onGpu("composed", () -> Ops.scaledDotProductAttentionWithLogSumExp(q, k, v, options));
            if (!kernel.equals("default")) {
                System.setProperty("colossus.cuda.attentionKernel", kernel);
            }
            Tensor fused;
            AttentionResult fusedWithLse;
            try {
                fused = onGpu("fused", () -> Ops.scaledDotProductAttention(q, k, v, options));
                fusedWithLse = onGpu("fused", () -> Ops.scaledDotProductAttentionWithLogSumExp(q, k, v, options));
            } finally {
                System.clearProperty("colossus.cuda.attentionKernel");
            }
            String where = "fused attention (" + kernel + ", scale " + scale + ", magnitude " + magnitude + ") vs composed "
                    + java.util.Arrays.toString(c);
            Tensor expected = composed.out().to(Device.CPU);
            TensorAssert.assertRelativeL2(where, expected, fused.to(Device.CPU), Tolerance.of(dtype));
            TensorAssert.assertRelativeL2(where + ", beside its log-sum-exps", expected, fusedWithLse.out().to(Device.CPU),
                    Tolerance.of(dtype));
            // The composed path takes them from scores rounded to the dtype: its tolerance.
            TensorAssert.assertRelativeL2(where + ": log-sum-exps", composed.logSumExp().to(Device.CPU),
                    fusedWithLse.logSumExp().to(Device.CPU), Tolerance.of(dtype));
        }
    }

    private static Tensor gpu(Tensor host) {
        return host.to(Device.cuda(0));
    }
}
