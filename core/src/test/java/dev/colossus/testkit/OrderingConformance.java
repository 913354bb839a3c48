package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;
import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.HEAP;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.EXTREMES;
import static dev.colossus.testkit.Generators.Values.PLAIN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators.Layout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** topk, sort, argsort, argmin and multinomial: ties, NaN, ±0, odd sizes and views. */
public interface OrderingConformance extends Conformance {
    @ParameterizedTest
    @EnumSource(DType.class)
    default void topkAndSortEveryDimension(DType dtype) {
        assumeTrue(computesTopk(dtype, 33, 33), "topk of " + dtype + ": no kernels on this backend's default path");
        long seed = 71;
        for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, HEAP)) {
            // EXTREMES: NaN, ±Inf, ±0, subnormals; BF16 and the integers make many ties.
            Tensor x = tensor(seed++, dtype, EXTREMES, layout, 4, 33, 6);
            for (int dim = 0; dim < 3; dim++) {
                int d = dim;
                for (boolean largest : new boolean[] {true, false}) {
                    for (int k : new int[] {0, 1, 3, (int) x.size(d)}) {
                        check("topk k " + k + " dim " + d + (largest ? " largest" : " smallest"), Comparison.EXACT,
                                t -> Ops.topk(t[0], k, d, largest).indices(), x);
                        check("topk values", Comparison.EXACT, t -> Ops.topk(t[0], k, d, largest).values(), x);
                    }
                    check("sort", Comparison.EXACT, t -> Ops.sort(t[0], d, largest).values(), x);
                    check("argsort", Comparison.EXACT, t -> Ops.argsort(t[0], d, largest), x);
                }
            }
        }
    }

    /**
     * Down the columns of wide tensors, as a backend may read neighbouring columns together: more
     * columns than such a group, not a multiple of it, and enough of them for several tasks, whose
     * boundaries fall inside a row; and an offset view of them.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F16"})
    default void topkAndSortDownManyColumns(DType dtype) {
        assumeTrue(computesTopk(dtype, 700, 50), "topk of " + dtype + ": no kernels on this backend's default path");
        Tensor tall = tensor(98, dtype, EXTREMES, CONTIGUOUS, 700, 150);
        Tensor taller = tensor(99, dtype, PLAIN, CONTIGUOUS, 2, 3000, 37).narrow(2, 1, 35);
        for (boolean largest : new boolean[] {true, false}) {
            for (int k : new int[] {1, 50}) {
                check("topk k " + k + " down 150 columns", Comparison.EXACT, t -> Ops.topk(t[0], k, 0, largest).indices(), tall);
                check("topk k " + k + " down a view", Comparison.EXACT, t -> Ops.topk(t[0], k, 1, largest).indices(), taller);
            }
            check("argsort down 150 columns", Comparison.EXACT, t -> Ops.argsort(t[0], 0, largest), tall);
            check("sort down a view", Comparison.EXACT, t -> Ops.sort(t[0], 1, largest).values(), taller);
        }
    }

    /** Long rows with many equal values (I32 in [-50, 50), BF16's few values): a few of many, as sampling takes them. */
    @ParameterizedTest
    @EnumSource(names = {"I32", "BF16", "F32"})
    default void topkOfLongRowsWithTies(DType dtype) {
        Tensor x = tensor(97, dtype, dtype == DType.F32 ? EXTREMES : PLAIN, CONTIGUOUS, 3, 5000);
        List<Integer> notComputed = new ArrayList<>();
        for (int k : new int[] {1, 17, 50, 700}) {
            if (!computesTopk(dtype, 5000, k)) {
                notComputed.add(k);
                continue;
            }
            for (boolean largest : new boolean[] {true, false}) {
                check("topk k " + k, Comparison.EXACT, t -> Ops.topk(t[0], k, -1, largest).indices(), x);
            }
        }
        assumeTrue(notComputed.isEmpty(), () -> "topk of " + dtype + ", k " + notComputed + " of 5000: no kernels on this backend's default path");
    }

    @Test
    default void orderIsStableWithNaNAboveInfinity() {
        assumeTrue(computes("topk"), "topk: no kernels on this backend's default path");
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(new float[] {2, Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, 2, Float.NaN, -1}, 8)
                    .to(backend().device());
            Backends.using(backend(), () -> {
                assertArrayEquals(new long[] {1, 6, 4, 0, 5}, Ops.topk(x, 5, 0, true).indices().to(Device.CPU).toLongArray());
                assertArrayEquals(new long[] {7, 2, 3, 0, 5, 4, 1, 6}, Ops.argsort(x, 0, false).to(Device.CPU).toLongArray());
                assertEquals(1, Ops.argmin(x).item(), "NaN counts as the minimum, as in argmax as the maximum");
                assertEquals(0, Ops.argmin(x.narrow(0, 2, 4)).item(), "-0 and +0 tie: the first");
                assertEquals(1, Ops.argmax(x).item());
            });
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    default void argminLikeArgmax(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        Tensor x = tensor(81, dtype, EXTREMES, TRANSPOSED, 5, 9);
        check("argmin", Comparison.EXACT, t -> Ops.argmin(t[0]), x);
        check("argmin dim 0", Comparison.EXACT, t -> Ops.argmin(t[0], 0, false), x);
        check("argmin dim 1 keepdim", Comparison.EXACT, t -> Ops.argmin(t[0], 1, true), x);
        Tensor extremes = Tensor.of(new long[] {3, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE}, 4);
        check("argmin of I64 extremes", Comparison.EXACT, t -> Ops.argmin(t[0]), extremes);
    }

    /** The same samples on this backend as on the reference, for one seed; each in range, with probability 0 never drawn. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F64"})
    default void multinomialIsReproducibleAcrossBackends(DType dtype) {
        assumeTrue(computes("cumsum"), "cumsum: no kernels on this backend's default path");
        try (Scope scope = Scope.open()) {
            Tensor probs = Ops.abs(tensor(91, dtype, PLAIN, CONTIGUOUS, 6, 7, 50));
            Tensor withZeros = Ops.where(Ops.gt(probs, 1.0), probs, 0);
            check("multinomial", Comparison.EXACT, t -> Ops.multinomial(t[0], 1234), withZeros);
            long[] samples = Backends.using(backend(), () -> Ops.multinomial(withZeros.to(backend().device()), 99).to(Device.CPU).toLongArray());
            double[] p = withZeros.toDoubleArray();
            for (int row = 0; row < samples.length; row++) {
                assertTrue(samples[row] >= 0 && samples[row] < 50 && p[row * 50 + (int) samples[row]] > 0, "row " + row + " drew " + samples[row]);
            }
        }
    }

    /** Over many draws, the frequencies follow the probabilities (a chi-squared bound that fails by chance once in 10^9). */
    @Test
    default void multinomialFollowsTheProbabilities() {
        assumeTrue(computes("cumsum"), "cumsum: no kernels on this backend's default path");
        try (Scope scope = Scope.open()) {
            double[] weights = {1, 0, 2, 3, 4};
            int rows = 20_000;
            double[] data = new double[rows * weights.length];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(weights, 0, data, r * weights.length, weights.length);
            }
            Tensor probs = Tensor.of(data, rows, weights.length).to(DType.F32).to(backend().device());
            long[] samples = Backends.using(backend(), () -> Ops.multinomial(probs, 5).to(Device.CPU).toLongArray());
            long[] counts = new long[weights.length];
            for (long s : samples) {
                counts[(int) s]++;
            }
            assertEquals(0, counts[1], "a zero probability was drawn");
            double chiSquared = 0;
            for (int j = 0; j < weights.length; j++) {
                double expected = rows * weights[j] / 10;
                chiSquared += expected == 0 ? 0 : (counts[j] - expected) * (counts[j] - expected) / expected;
            }
            assertTrue(chiSquared < 46, "chi-squared " + chiSquared + " over 3 degrees of freedom; counts " + java.util.Arrays.toString(counts));
        }
    }

    @Test
    default void multinomialRefusesBadProbabilities() {
        assumeTrue(computes("cumsum"), "cumsum: no kernels on this backend's default path");
        try (Scope scope = Scope.open()) {
            Device device = backend().device();
            Backends.using(backend(), () -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Ops.multinomial(Tensor.of(new float[] {0.5f, -0.1f}, 2).to(device), 1));
                assertTrue(e.getMessage().startsWith("multinomial: probs") && e.getMessage().contains("non-negative"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> Ops.multinomial(Tensor.of(new float[] {0, 0, 1, 2}, 2, 2).to(device), 1));
                assertTrue(e.getMessage().contains("summing to 0.0"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> Ops.multinomial(Tensor.of(new float[] {1, Float.NaN}, 2).to(device), 1));
                assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            });
        }
    }
}
