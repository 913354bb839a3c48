package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;

import static dev.colossus.testkit.Generators.Layout.BROADCAST;
import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.HEAP;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.EXTREMES;
import static dev.colossus.testkit.Generators.Values.PLAIN;
import static dev.colossus.testkit.Generators.Values.SPECIALS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators.Layout;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Sum, mean, var, max, min and argmax over every axis set and length, corner values, integers. */
public interface ReductionConformance extends Conformance {
    int[][] REDUCED_DIMS = {{0}, {1}, {2}, {0, 2}, {1, 2}, {}};

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void sumMeanVarOverEveryAxisSet(DType dtype) {
        for (int[] dims : REDUCED_DIMS) {
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, BROADCAST, HEAP)) {
                for (boolean keepdim : List.of(true, false)) {
                    Tensor x = tensor(dims.length * 10 + layout.ordinal(), dtype, PLAIN, layout, 6, 7, 33);
                    String at = " dims " + Arrays.toString(dims) + " keepdim " + keepdim;
                    checkSum("sum" + at, t -> Ops.sum(t, dims, keepdim), t -> Ops.sum(Ops.abs(t), dims, keepdim), x);
                    checkSum("mean" + at, t -> Ops.mean(t, dims, keepdim), t -> Ops.mean(Ops.abs(t), dims, keepdim), x);
                    checkSum("var" + at, t -> Ops.var(t, dims, 1, keepdim),
                            t -> Ops.mean(Ops.mul(t, t), dims, keepdim), x);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void maxMinArgmaxWithCornerValues(DType dtype) {
        for (int[] dims : REDUCED_DIMS) {
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED)) {
                Tensor x = tensor(dims.length + 7L * layout.ordinal(), dtype, EXTREMES, layout, 6, 7, 33);
                check("max", Comparison.EXACT, t -> Ops.max(t[0], dims, false), x);
                check("min", Comparison.EXACT, t -> Ops.min(t[0], dims, true), x);
            }
        }
        for (int dim = 0; dim < 3; dim++) {
            int d = dim;
            check("argmax", Comparison.EXACT, t -> Ops.argmax(t[0], d, false), tensor(d, dtype, EXTREMES, TRANSPOSED, 6, 7, 33));
            check("argmax", Comparison.EXACT, t -> Ops.argmax(t[0], d, true), tensor(d, dtype, PLAIN, CONTIGUOUS, 6, 7, 33));
        }
        check("argmax all", Comparison.EXACT, t -> Ops.argmax(t[0]), tensor(3, dtype, PLAIN, STRIDED, 6, 7, 33));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    default void reductionsOfEveryLengthFrom1To33AndLong(DType dtype) {
        for (long n : new long[] {1, 2, 3, 5, 8, 15, 16, 17, 31, 32, 33, 1000, 65_537}) {
            Tensor x = tensor(n, dtype, PLAIN, CONTIGUOUS, 3, n);
            checkSum("sum last", t -> Ops.sum(t, -1), t -> Ops.sum(Ops.abs(t), -1), x);
            checkSum("sum first", t -> Ops.sum(t, 0), t -> Ops.sum(Ops.abs(t), 0), x);
            checkSum("var last", t -> Ops.var(t, new int[] {-1}, 0, false), t -> Ops.mean(Ops.mul(t, t), -1), x);
            check("max last", Comparison.EXACT, t -> Ops.max(t[0], -1), x);
            check("argmax last", Comparison.EXACT, t -> Ops.argmax(t[0], -1, false), x);
            check("min first", Comparison.EXACT, t -> Ops.min(t[0], 0), x);
            check("argmax first", Comparison.EXACT, t -> Ops.argmax(t[0], 0, false), x);
            checkSum("var first", t -> Ops.var(t, new int[] {0}, 0, false), t -> Ops.mean(Ops.mul(t, t), 0), x);
        }
        // Down columns with no outputs before them (ApiFuzzTest, seed 1592605842: a division by their count).
        Tensor empty = tensor(3, dtype, PLAIN, CONTIGUOUS, 0, 5, 20);
        check("sum of none down columns", Comparison.EXACT, t -> Ops.sum(t[0], 1), empty);
        check("argmax of none down columns", Comparison.EXACT, t -> Ops.argmax(t[0], 1, false), empty);
        Tensor tall = tensor(2, dtype, PLAIN, CONTIGUOUS, 20_000, 5);
        checkSum("sum tall", t -> Ops.sum(t, 0), t -> Ops.sum(Ops.abs(t), 0), tall);
        check("max tall", Comparison.EXACT, t -> Ops.max(t[0], 0), tall);
    }

    /**
     * Rows longer than a kernel's buffer (4096), where the first maximum lies in a later stretch than
     * an equal one, or a NaN follows the maximum, or -0 comes before +0: each row's expected index is
     * written beside it, and the oracle agrees; then the same slices as columns.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void argmaxTakesTheFirstMaximumAcrossLongRows(DType dtype) {
        int n = 9000;
        float[] values = new float[6 * n];
        for (int i = 0; i < values.length; i++) {
            values[i] = -1 - (i * 7 % 13) / 16f;
        }
        Arrays.fill(values, 0, n, Float.NEGATIVE_INFINITY); // all -Inf: the first
        values[n + 5000] = 7;                                           // a tie, the first in the second stretch
        values[n + 8000] = 7;
        values[n + 10] = 6;
        values[2 * n] = -0f;                                            // -0 before +0: equal, the first
        values[2 * n + 4100] = 0f;
        values[3 * n + 100] = 3;                                        // a NaN after the maximum
        values[3 * n + 8500] = Float.NaN;
        values[4 * n] = Float.POSITIVE_INFINITY;                        // two NaNs after +Inf: the first NaN
        values[4 * n + 20] = Float.NaN;
        values[4 * n + 4095] = Float.NaN;
        values[5 * n + 4096] = 2;                                       // alone at the second stretch's start
        long[] expected = {0, 5000, 0, 8500, 20, 4096};
        try (Tensor f32 = Tensor.of(values, 6, n); Tensor x = f32.to(dtype); Tensor argmax = Ops.argmax(x, 1, false)) {
            assertArrayEquals(expected, argmax.toLongArray(), dtype + " argmax");
            check("argmax long rows", Comparison.EXACT, t -> Ops.argmax(t[0], 1, false), x);
        }
        // The same slices down the 24 columns of a contiguous (n, 24), column c holding row c % 6: side by side in lanes.
        float[] columns = new float[24 * n];
        long[] expectedDown = new long[24];
        for (int c = 0; c < 24; c++) {
            for (int i = 0; i < n; i++) {
                columns[24 * i + c] = values[n * (c % 6) + i];
            }
            expectedDown[c] = expected[c % 6];
        }
        try (Tensor f32 = Tensor.of(columns, n, 24); Tensor x = f32.to(dtype); Tensor argmax = Ops.argmax(x, 0, false)) {
            assertArrayEquals(expectedDown, argmax.toLongArray(), dtype + " argmax down columns");
            check("argmax long columns", Comparison.EXACT, t -> Ops.argmax(t[0], 0, false), x);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F64"})
    default void sumPropagatesNaNAndInfinities(DType dtype) {
        check("sum", Comparison.CLOSE, t -> Ops.sum(t[0], -1), tensor(4, dtype, SPECIALS, CONTIGUOUS, 40, 50));
        check("sum", Comparison.CLOSE, t -> Ops.sum(t[0], 0), tensor(5, dtype, SPECIALS, CONTIGUOUS, 40, 50));
    }

    @ParameterizedTest
    @EnumSource(names = {"I64", "I32", "I16", "I8", "U8", "BOOL"})
    default void integerReductions(DType dtype) {
        Tensor x = tensor(6, dtype, PLAIN, TRANSPOSED, 5, 40);
        check("sum", Comparison.EXACT, t -> Ops.sum(t[0], 1), x);
        check("sum all", Comparison.EXACT, t -> Ops.sum(t[0]), x);
        check("max", Comparison.EXACT, t -> Ops.max(t[0], 0), x);
        check("min", Comparison.EXACT, t -> Ops.min(t[0], new int[] {0, 1}, true), x);
        check("argmax", Comparison.EXACT, t -> Ops.argmax(t[0], 1, false), x);
    }

    /**
     * Integers at their types' edges (sums wrap), every length 1 to 33, views, and whole tensors long
     * enough for a backend to split one output's elements across threads: the first maximum must stay
     * the first when equal maxima lie in several parts.
     */
    @ParameterizedTest
    @EnumSource(names = {"I64", "I32", "I16", "I8", "U8"})
    default void integerReductionsAtTheirEdges(DType dtype) {
        for (int n = 1; n <= 33; n++) {
            Tensor x = Generators.integers(n, dtype, 3, n);
            check("sum " + n, Comparison.EXACT, t -> Ops.sum(t[0], -1), x);
            check("max " + n, Comparison.EXACT, t -> Ops.max(t[0], 0), x);
            check("min " + n, Comparison.EXACT, t -> Ops.min(t[0], -1), x);
            check("argmax " + n, Comparison.EXACT, t -> Ops.argmax(t[0], -1, false), x);
        }
        Tensor views = Generators.integers(40, dtype, 9, 40).slice(1, 1, 40, 3).transpose(0, 1);
        check("sum of a strided transpose", Comparison.EXACT, t -> Ops.sum(t[0], 0), views);
        check("argmax of a strided transpose", Comparison.EXACT, t -> Ops.argmax(t[0], 0, false), views);
        Tensor large = Generators.integers(41, dtype, 3, 70_001);
        check("sum of all", Comparison.EXACT, t -> Ops.sum(t[0]), large);
        check("min of all", Comparison.EXACT, t -> Ops.min(t[0]), large);
        check("max of all", Comparison.EXACT, t -> Ops.max(t[0]), large);
        check("argmax of all", Comparison.EXACT, t -> Ops.argmax(t[0]), large);
        check("sum down columns", Comparison.EXACT, t -> Ops.sum(t[0], 0), large);
        long[] plateau = new long[210_003];
        Arrays.fill(plateau, 7);
        plateau[5] = plateau[150_001] = plateau[210_002] = 9;
        Tensor ties = Tensor.of(plateau, plateau.length).to(dtype);
        check("argmax of equal maxima far apart", Comparison.EXACT, t -> Ops.argmax(t[0]), ties);
        check("argmax of equal maxima, the first dropped", Comparison.EXACT, t -> Ops.argmax(t[0].narrow(0, 6, 209_997)), ties);
    }
}
