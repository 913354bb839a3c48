package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;

import static dev.colossus.testkit.Generators.Layout.BROADCAST;
import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.EXTREMES;
import static dev.colossus.testkit.Generators.Values.PLAIN;
import static dev.colossus.testkit.Generators.Values.SPECIALS;

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
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, BROADCAST)) {
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
        }
        Tensor tall = tensor(2, dtype, PLAIN, CONTIGUOUS, 20_000, 5);
        checkSum("sum tall", t -> Ops.sum(t, 0), t -> Ops.sum(Ops.abs(t), 0), tall);
        check("max tall", Comparison.EXACT, t -> Ops.max(t[0], 0), tall);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F64"})
    default void sumPropagatesNaNAndInfinities(DType dtype) {
        check("sum", Comparison.CLOSE, t -> Ops.sum(t[0], -1), tensor(4, dtype, SPECIALS, CONTIGUOUS, 40, 50));
        check("sum", Comparison.CLOSE, t -> Ops.sum(t[0], 0), tensor(5, dtype, SPECIALS, CONTIGUOUS, 40, 50));
    }

    @ParameterizedTest
    @EnumSource(names = {"I32", "I64", "BOOL"})
    default void integerReductions(DType dtype) {
        Tensor x = tensor(6, dtype, PLAIN, TRANSPOSED, 5, 40);
        check("sum", Comparison.EXACT, t -> Ops.sum(t[0], 1), x);
        check("sum all", Comparison.EXACT, t -> Ops.sum(t[0]), x);
        check("max", Comparison.EXACT, t -> Ops.max(t[0], 0), x);
        check("min", Comparison.EXACT, t -> Ops.min(t[0], new int[] {0, 1}, true), x);
        check("argmax", Comparison.EXACT, t -> Ops.argmax(t[0], 1, false), x);
    }
}
