package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;

import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.HEAP;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.PLAIN;

import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators.Layout;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Softmax, log-softmax, layer norm, RMS norm and the fused add + RMS norm, with infinities and values whose squares overflow F32. */
public interface NormConformance extends Conformance {
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void softmaxAndLogSoftmaxAlongEveryAxis(DType dtype) {
        for (int n = 1; n <= 33; n++) {
            Tensor x = tensor(n, dtype, PLAIN, CONTIGUOUS, 3, n);
            check("softmax", Comparison.CLOSE, t -> Ops.softmax(t[0], -1), x);
            check("logSoftmax", Comparison.CLOSE, t -> Ops.logSoftmax(t[0], -1), x);
        }
        for (int dim = 0; dim < 3; dim++) {
            int d = dim;
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, HEAP)) {
                Tensor x = tensor(dim + 10L * layout.ordinal(), dtype, PLAIN, layout, 5, 6, 37);
                check("softmax dim " + d, Comparison.CLOSE, t -> Ops.softmax(t[0], d), x);
                check("logSoftmax dim " + d, Comparison.CLOSE, t -> Ops.logSoftmax(t[0], d), x);
            }
        }
        check("softmax long", Comparison.CLOSE, t -> Ops.softmax(t[0], -1), tensor(3, dtype, PLAIN, CONTIGUOUS, 4, 5000));
        check("logSoftmax long", Comparison.CLOSE, t -> Ops.logSoftmax(t[0], -1), tensor(4, dtype, PLAIN, CONTIGUOUS, 4, 5000));
        // Down columns: more rows than one F32 partial sum takes, more columns than a block, a tail of both.
        Tensor tall = tensor(5, dtype, PLAIN, CONTIGUOUS, 2, 300, 1100);
        check("softmax down long columns", Comparison.CLOSE, t -> Ops.softmax(t[0], 1), tall);
        check("logSoftmax down long columns", Comparison.CLOSE, t -> Ops.logSoftmax(t[0], 1), tall);
        check("softmax down transposed columns", Comparison.CLOSE, t -> Ops.softmax(t[0], 2), tall.transpose(1, 2));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F64"})
    default void softmaxWithInfinities(DType dtype) {
        float[] rows = {
            0, Float.NEGATIVE_INFINITY, 1, 2, // masked entry
            Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, // NaN row
            Float.POSITIVE_INFINITY, 0, 1, 2, // +Inf: NaN where it is, as exp(Inf - Inf)
            Float.NaN, 0, 1, 2,
            1e30f, -1e30f, 0, 1e30f,
        };
        try (Tensor f32 = Tensor.of(rows, 5, 4)) {
            Tensor x = f32.to(dtype);
            check("softmax", Comparison.CLOSE, t -> Ops.softmax(t[0], 1), x);
            check("logSoftmax", Comparison.CLOSE, t -> Ops.logSoftmax(t[0], 1), x);
        }
        // The same rows 37 long, the special values in whole vectors: a row's max taken in the pass over the row before.
        float[] wide = new float[5 * 37];
        for (int r = 0; r < 5; r++) {
            for (int i = 0; i < 37; i++) {
                wide[37 * r + i] = i < 4 ? rows[4 * r + i] : (i % 5) - 2f;
            }
            if (r == 1) {
                java.util.Arrays.fill(wide, 37 * r, 37 * r + 37, Float.NEGATIVE_INFINITY);
            }
        }
        try (Tensor f32 = Tensor.of(wide, 5, 37)) {
            Tensor x = f32.to(dtype);
            check("softmax, rows of 37", Comparison.CLOSE, t -> Ops.softmax(t[0], 1), x);
            check("logSoftmax, rows of 37", Comparison.CLOSE, t -> Ops.logSoftmax(t[0], 1), x);
        }
        // The same slices down the 20 columns of a contiguous (37, 20), column c holding row c % 5: side by side in lanes.
        float[] tall = new float[37 * 20];
        for (int i = 0; i < 37; i++) {
            for (int c = 0; c < 20; c++) {
                tall[20 * i + c] = wide[37 * (c % 5) + i];
            }
        }
        try (Tensor f32 = Tensor.of(tall, 37, 20)) {
            Tensor x = f32.to(dtype);
            check("softmax, columns of 37", Comparison.CLOSE, t -> Ops.softmax(t[0], 0), x);
            check("logSoftmax, columns of 37", Comparison.CLOSE, t -> Ops.logSoftmax(t[0], 0), x);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void layerNormAndRmsNorm(DType dtype) {
        long seed = 1;
        for (long n : new long[] {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 1000, 4099}) {
            for (Layout layout : List.of(CONTIGUOUS, STRIDED)) {
                Tensor x = tensor(seed++, dtype, PLAIN, layout, 3, n);
                Tensor w = tensor(seed++, dtype, PLAIN, CONTIGUOUS, n);
                Tensor b = tensor(seed++, dtype, PLAIN, CONTIGUOUS, n);
                check("layerNorm", Comparison.CLOSE, t -> Ops.layerNorm(t[0], t[1], t[2], 1e-5), x, w, b);
                check("layerNorm no affine", Comparison.CLOSE, t -> Ops.layerNorm(t[0], new long[] {n}, null, null, 1e-5), x);
                check("rmsNorm", Comparison.CLOSE, t -> Ops.rmsNorm(t[0], t[1], 1e-6), x, w);
                check("rmsNorm no weight", Comparison.CLOSE, t -> Ops.rmsNorm(t[0], new long[] {n}, null, 1e-6), x);
            }
        }
        Tensor x3 = tensor(seed++, dtype, PLAIN, TRANSPOSED, 2, 5, 6);
        Tensor w2 = tensor(seed++, dtype, PLAIN, CONTIGUOUS, 5, 6);
        Tensor b2 = tensor(seed, dtype, PLAIN, CONTIGUOUS, 5, 6);
        check("layerNorm over 2 dims", Comparison.CLOSE, t -> Ops.layerNorm(t[0], t[1], t[2], 1e-5), x3, w2, b2);
        check("rmsNorm over 2 dims", Comparison.CLOSE, t -> Ops.rmsNorm(t[0], t[1], 1e-5), x3, w2);
    }

    /**
     * Values whose squares (or whose sums) pass F32's range, 1e30 to 1e36: layer and RMS norms are
     * finite by their definition in double, and so must be the results.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    default void normsOfValuesWhoseSquaresOverflowF32(DType dtype) {
        for (HugeValues h : hugeValues(dtype)) {
            long n = h.x().size(-1);
            check("rmsNorm" + h.at(), Comparison.CLOSE, t -> Ops.rmsNorm(t[0], new long[] {n}, null, 1e-6), h.x());
            check("layerNorm" + h.at(), Comparison.CLOSE, t -> Ops.layerNorm(t[0], new long[] {n}, null, null, 1e-5), h.x());
            check("addRmsNorm" + h.at(), Comparison.CLOSE,
                    t -> Ops.addRmsNorm(t[0], t[0], new long[] {n}, null, 1e-6).normalized(), h.x());
        }
    }

    /** As {@link #normsOfValuesWhoseSquaresOverflowF32} for means and variances, along rows and down columns. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    default void meansAndVariancesOfValuesWhoseSquaresOverflowF32(DType dtype) {
        for (HugeValues h : hugeValues(dtype)) {
            Tensor columns = h.x().transpose(0, 1).contiguous();
            check("mean" + h.at(), Comparison.CLOSE, t -> Ops.mean(t[0], -1), h.x());
            check("var" + h.at(), Comparison.CLOSE, t -> Ops.var(t[0], new int[] {-1}, 0, false), h.x());
            check("mean over rows" + h.at(), Comparison.CLOSE, t -> Ops.mean(t[0], 0), columns);
            check("var over rows" + h.at(), Comparison.CLOSE, t -> Ops.var(t[0], new int[] {0}, 1, false), columns);
        }
        check("mean of 4096 x 1e35", Comparison.CLOSE, t -> Ops.mean(t[0]), Tensor.full(1e35, dtype, 4096));
    }

    record HugeValues(Tensor x, String at) {
    }

    /** (3, n) tensors of magnitude 1e30 and 1e36, contiguous and strided, for n from 7 to past a 4096 block. */
    private static List<HugeValues> hugeValues(DType dtype) {
        List<HugeValues> all = new java.util.ArrayList<>();
        long seed = 1;
        for (long n : new long[] {7, 33, 4096, 5000}) {
            for (double magnitude : new double[] {1e30, 1e36}) {
                for (Layout layout : List.of(CONTIGUOUS, STRIDED)) {
                    try (Tensor plain = tensor(seed++, dtype, PLAIN, layout, 3, n)) {
                        all.add(new HugeValues(Ops.mul(plain, magnitude), " of |x| ~ " + magnitude + ", n " + n + " " + layout));
                    }
                }
            }
        }
        return all;
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void addRmsNorm(DType dtype) {
        long seed = 1;
        for (long n : new long[] {1, 3, 16, 17, 33, 1000, 4099}) {
            for (Layout layout : List.of(CONTIGUOUS, STRIDED)) {
                Tensor x = tensor(seed++, dtype, PLAIN, layout, 3, n);
                Tensor r = tensor(seed++, dtype, PLAIN, CONTIGUOUS, 3, n);
                Tensor w = tensor(seed++, dtype, PLAIN, CONTIGUOUS, n);
                check("addRmsNorm sum", Comparison.CLOSE, t -> Ops.addRmsNorm(t[0], t[1], t[2], 1e-6).sum(), x, r, w);
                check("addRmsNorm", Comparison.CLOSE, t -> Ops.addRmsNorm(t[0], t[1], t[2], 1e-6).normalized(), x, r, w);
                check("addRmsNorm no weight", Comparison.CLOSE,
                        t -> Ops.addRmsNorm(t[0], t[1], new long[] {n}, null, 1e-6).normalized(), x, r);
            }
        }
        Tensor x3 = tensor(seed++, dtype, PLAIN, TRANSPOSED, 2, 5, 6);
        Tensor r3 = tensor(seed++, dtype, PLAIN, STRIDED, 2, 5, 6);
        Tensor w2 = tensor(seed, dtype, PLAIN, CONTIGUOUS, 5, 6);
        check("addRmsNorm over 2 dims, views", Comparison.CLOSE, t -> Ops.addRmsNorm(t[0], t[1], t[2], 1e-5).normalized(),
                x3, r3, w2);
        check("addRmsNorm sum, views", Comparison.CLOSE, t -> Ops.addRmsNorm(t[0], t[1], t[2], 1e-5).sum(), x3, r3, w2);
    }
}
