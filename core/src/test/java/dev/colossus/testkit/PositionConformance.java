package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;
import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.HEAP;
import static dev.colossus.testkit.Generators.Layout.OFFSET;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.EXTREMES;
import static dev.colossus.testkit.Generators.Values.PLAIN;
import static dev.colossus.testkit.Generators.Values.SPECIALS;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators.Layout;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** triu, tril, cumsum and rotaryEmbedding: odd sizes, views, every dtype that applies, corner values. */
public interface PositionConformance extends Conformance {
    @ParameterizedTest
    @EnumSource(DType.class)
    default void triangles(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        for (long k = -4; k <= 4; k += 2) {
            long diagonal = k;
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED)) {
                Tensor x = tensor(k + 10, dtype, EXTREMES, layout, 2, 5, 7);
                check("triu " + k, Comparison.EXACT, t -> Ops.triu(t[0], diagonal), x);
                check("tril " + k, Comparison.EXACT, t -> Ops.tril(t[0], diagonal), x);
            }
        }
        check("triu 1x1", Comparison.EXACT, t -> Ops.triu(t[0], 0), tensor(1, dtype, PLAIN, CONTIGUOUS, 1, 1));
    }

    /**
     * triu and tril against their definition in plain loops (the mask is composed in core, so a check
     * against the reference alone would compare the composition with itself), for diagonals inside,
     * at and far beyond the matrix, {@code Long.MIN_VALUE} and {@code Long.MAX_VALUE} included.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "I64"})
    default void trianglesByTheirDefinition(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        long m = 5, n = 7;
        try (Scope scope = Scope.open()) {
            Tensor x = tensor(71, dtype, PLAIN, CONTIGUOUS, 2, m, n);
            double[] values = x.toDoubleArray();
            Tensor moved = x.to(backend().device());
            for (long k : new long[] {Long.MIN_VALUE, -1000, -5, -4, -1, 0, 1, 6, 7, 1000, Long.MAX_VALUE}) {
                for (boolean upper : new boolean[] {false, true}) {
                    double[] actual = Backends.using(backend(), () -> upper ? Ops.triu(moved, k) : Ops.tril(moved, k))
                            .to(Device.CPU).toDoubleArray();
                    for (int e = 0; e < values.length; e++) {
                        long row = e / n % m, column = e % n;
                        // column - row compared with k without overflow: row + k can pass Long's range.
                        boolean kept = upper ? column - row >= k : column - row <= k;
                        assertTrue(actual[e] == (kept ? values[e] : 0), (upper ? "triu " : "tril ") + k + " at " + e + ": " + actual[e]);
                    }
                }
            }
        }
    }

    /** A row longer than 2^24 columns: the mask's indices no longer fit F32 exactly, so they are compared in F64. */
    @ParameterizedTest
    @EnumSource(names = {"BOOL"})
    default void triangleWiderThanF32Counts(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        long n = (1L << 24) + 2;
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.ones(dtype, 1, n).to(backend().device());
            boolean[] kept = Backends.using(backend(), () -> Ops.tril(x, 1L << 24)).to(Device.CPU).toBooleanArray();
            // In F32, 2^24 + 1 rounds to 2^24 and the last column would be kept.
            assertTrue(kept[(int) n - 2] && !kept[(int) n - 1], "tril by 2^24 of (1, 2^24 + 2): columns 2^24 and 2^24 + 1 gave "
                    + kept[(int) n - 2] + ", " + kept[(int) n - 1]);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    default void cumsumAlongEveryDimension(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        assumeTrue(computes("cumsum"), "cumsum: no kernels on this backend's default path");
        long seed = 3;
        for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, OFFSET, HEAP)) {
            for (long n : new long[] {1, 2, 17, 33}) {
                Tensor x = tensor(seed++, dtype, dtype.isFloatingPoint() ? SPECIALS : PLAIN, layout, 3, n, 5);
                for (int dim = -3; dim < 3; dim++) {
                    int d = dim;
                    check("cumsum dim " + d, Comparison.CLOSE, t -> Ops.cumsum(t[0], d), x);
                }
            }
        }
    }

    /**
     * The CPU's accuracy bound for F32, stated in {@link Ops#cumsum}: each running sum is the exact sum
     * rounded once, here over 100,000 terms of mixed signs and magnitudes where F32 accumulation would
     * drift by thousands of ulps.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    default void cumsumOfALongRowIsRoundedOnce(DType dtype) {
        assumeTrue(computes("cumsum"), "cumsum: no kernels on this backend's default path");
        SplittableRandom random = new SplittableRandom(17);
        double[] values = new double[100_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-3, 4));
        }
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(values, values.length).to(dtype);
            double[] exact = Backends.using(oracle(), () -> Ops.cumsum(x.to(DType.F64), 0)).toDoubleArray();
            Tensor moved = x.to(backend().device());
            double[] actual = Backends.using(backend(), () -> Ops.cumsum(moved, 0)).to(Device.CPU).toDoubleArray();
            double ulp = dtype == DType.F32 ? 0x1p-24 : 0x1p-8;
            for (int i = 0; i < values.length; i++) {
                double allowed = ulp * Math.abs(exact[i]) * 1.0001 + 1e-300;
                int at = i;
                assertTrue(Math.abs(actual[i] - exact[i]) <= allowed, () -> backend().name() + " cumsum " + dtype + " at " + at
                        + ": " + actual[at] + ", exact " + exact[at]);
            }
        }
    }

    /**
     * Rows of 0, 1, 3, 29, 32, 33 and 64 pairs, so that a vector loop's whole steps, a part step (29 pairs:
     * 2L > 29 - 2L·k ≥ L at L = 4, 8, 16) and plain-Java tails all run at every width; x contiguous,
     * strided or at an offset, each with sin's rows contiguous and transposed.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void rotaryEmbeddingBothPairings(DType dtype) {
        long seed = 51;
        for (long d : new long[] {0, 2, 6, 58, 64, 66, 128}) {
            for (Layout layout : List.of(CONTIGUOUS, STRIDED, OFFSET, HEAP)) {
                Tensor x = tensor(seed++, dtype, SPECIALS, layout, 2, 3, 5, d);
                Tensor cos = tensor(seed++, dtype, PLAIN, CONTIGUOUS, 5, d / 2);
                for (Layout angles : List.of(CONTIGUOUS, TRANSPOSED)) {
                    Tensor sin = tensor(seed++, dtype, PLAIN, angles, 5, d / 2);
                    for (boolean interleaved : new boolean[] {false, true}) {
                        check("rotary interleaved " + interleaved, Comparison.CLOSE,
                                t -> Ops.rotaryEmbedding(t[0], t[1], t[2], interleaved), x, cos, sin);
                    }
                }
            }
        }
        Tensor decode = tensor(seed++, dtype, PLAIN, CONTIGUOUS, 4, 8, 1, 64);
        Tensor cosRow = tensor(seed++, dtype, PLAIN, CONTIGUOUS, 1, 32);
        Tensor sinRow = tensor(seed, dtype, PLAIN, CONTIGUOUS, 1, 32);
        check("rotary decode step", Comparison.CLOSE, t -> Ops.rotaryEmbedding(t[0], t[1], t[2], false), decode, cosRow, sinRow);
    }

    /**
     * Sequences longer than a backend's block of positions (300: blocks and a part), rows contiguous,
     * back to back or each a part of a wider row, angles shared by the heads or one set a head.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    default void rotaryEmbeddingLongSequences(DType dtype) {
        Tensor x = tensor(71, dtype, SPECIALS, CONTIGUOUS, 1, 2, 300, 80);
        Tensor cos = tensor(72, dtype, PLAIN, CONTIGUOUS, 300, 32);
        Tensor sin = tensor(73, dtype, PLAIN, CONTIGUOUS, 300, 32);
        Tensor cosPerHead = tensor(74, dtype, PLAIN, CONTIGUOUS, 2, 300, 32);
        for (boolean interleaved : new boolean[] {false, true}) {
            check("rotary back to back, interleaved " + interleaved, Comparison.CLOSE,
                    t -> Ops.rotaryEmbedding(t[0].narrow(-1, 0, 64).contiguous(), t[1], t[2], interleaved), x, cos, sin);
            check("rotary rows of wider rows, interleaved " + interleaved, Comparison.CLOSE,
                    t -> Ops.rotaryEmbedding(t[0].narrow(-1, 8, 64), t[1], t[2], interleaved), x, cos, sin);
            check("rotary angles a head, interleaved " + interleaved, Comparison.CLOSE,
                    t -> Ops.rotaryEmbedding(t[0].narrow(-1, 0, 64).contiguous(), t[1], t[2], interleaved), x, cosPerHead, sin);
        }
    }

    /** The fused op equals its definition composed from slices, mul, sub, add and cat, on the same backend. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F64"})
    default void rotaryEmbeddingEqualsItsComposition(DType dtype) {
        try (Scope scope = Scope.open()) {
            Tensor x = tensor(61, dtype, PLAIN, CONTIGUOUS, 2, 4, 7, 16).to(backend().device());
            Tensor angles = tensor(62, dtype, PLAIN, CONTIGUOUS, 7, 8).to(backend().device());
            Tensor cos = Ops.cos(angles.to(Device.CPU)).to(backend().device()), sin = Ops.sin(angles.to(Device.CPU)).to(backend().device());
            Backends.using(backend(), () -> {
                Tensor x1 = x.narrow(-1, 0, 8), x2 = x.narrow(-1, 8, 8);
                Tensor halves = Ops.cat(-1, Ops.sub(Ops.mul(x1, cos), Ops.mul(x2, sin)), Ops.add(Ops.mul(x2, cos), Ops.mul(x1, sin)));
                TensorAssert.assertClose("rotate half", halves.to(Device.CPU),
                        Ops.rotaryEmbedding(x, cos, sin, false).to(Device.CPU), Tolerance.of(dtype));
                Tensor even = x.slice(-1, 0, 16, 2), odd = x.slice(-1, 1, 16, 2);
                Tensor pairs = Ops.stack(-1, Ops.sub(Ops.mul(even, cos), Ops.mul(odd, sin)), Ops.add(Ops.mul(odd, cos), Ops.mul(even, sin)));
                TensorAssert.assertClose("interleaved", pairs.reshape(2, 4, 7, 16).to(Device.CPU),
                        Ops.rotaryEmbedding(x, cos, sin, true).to(Device.CPU), Tolerance.of(dtype));
                return null;
            });
        }
    }
}
