package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;

import static dev.colossus.testkit.Generators.Layout.BROADCAST;
import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.HEAP;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.PLAIN;
import static dev.colossus.testkit.Generators.Values.SPECIALS;

import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.op.UnaryFn;
import dev.colossus.testkit.Generators.Layout;
import dev.colossus.testkit.Generators.Values;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Matmul, linear and addmm: every edge from 1 to 33, transposed, strided, batched and broadcast operands, corner values. */
public interface MatMulConformance extends Conformance {
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void matmulEveryEdgeFrom1To33(DType dtype) {
        for (int s = 1; s <= 33; s++) {
            matmul(dtype, s, 17, 19, CONTIGUOUS, CONTIGUOUS, PLAIN);
            matmul(dtype, 7, s, 13, CONTIGUOUS, CONTIGUOUS, PLAIN);
            matmul(dtype, 9, 11, s, CONTIGUOUS, CONTIGUOUS, PLAIN);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void matmulTransposedAndStridedOperands(DType dtype) {
        for (Layout a : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, HEAP)) {
            for (Layout b : List.of(CONTIGUOUS, TRANSPOSED, STRIDED)) {
                matmul(dtype, 21, 35, 30, a, b, PLAIN);
                matmul(dtype, 1, 40, 33, a, b, PLAIN);
                matmul(dtype, 6, 37, 70, a, b, PLAIN);
                matmul(dtype, 16, 9, 45, a, b, PLAIN);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F64"})
    default void matmulLarge(DType dtype) {
        matmul(dtype, 127, 300, 259, CONTIGUOUS, CONTIGUOUS, PLAIN);
        matmul(dtype, 200, 64, 513, TRANSPOSED, CONTIGUOUS, PLAIN);
        matmul(dtype, 3, 1000, 700, CONTIGUOUS, TRANSPOSED, PLAIN);
        for (int m = 1; m <= 5; m++) {
            matmul(dtype, m, 333, 129, CONTIGUOUS, CONTIGUOUS, PLAIN);
        }
        matmul(dtype, 1, 256, 65, STRIDED, CONTIGUOUS, PLAIN);
        // several steps of k (a CPU block is 512 deep), threads splitting rows, then columns
        matmul(dtype, 130, 150, 1100, CONTIGUOUS, CONTIGUOUS, PLAIN);
        matmul(dtype, 24, 700, 600, TRANSPOSED, CONTIGUOUS, PLAIN);
        // more rows than a thread's packed A block holds (2048 on the CPU)
        matmul(dtype, 4200, 30, 10, CONTIGUOUS, CONTIGUOUS, PLAIN);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    default void matmulPropagatesNaNAndInfinities(DType dtype) {
        matmul(dtype, 13, 29, 31, CONTIGUOUS, CONTIGUOUS, SPECIALS);
        matmul(dtype, 33, 5, 64, TRANSPOSED, STRIDED, SPECIALS);
        matmul(dtype, 1, 300, 40, CONTIGUOUS, CONTIGUOUS, SPECIALS);
        matmul(dtype, 3, 130, 17, CONTIGUOUS, CONTIGUOUS, SPECIALS);
        matmul(dtype, 7, 41, 90, CONTIGUOUS, TRANSPOSED, SPECIALS);
        // a decode step, one finite row against a weight's rows with corner values, each read in place
        check("matmul 1x70x113, specials in b alone", Comparison.RELATIVE_L2, t -> Ops.matmul(t[0], t[1]),
                tensor(148, dtype, PLAIN, CONTIGUOUS, 1, 113), tensor(149, dtype, SPECIALS, TRANSPOSED, 113, 70));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void linearWithAndWithoutBias(DType dtype) {
        check("linear", Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], t[2]),
                tensor(31, dtype, PLAIN, CONTIGUOUS, 2, 3, 37), tensor(32, dtype, PLAIN, CONTIGUOUS, 19, 37),
                tensor(33, dtype, PLAIN, CONTIGUOUS, 19));
        check("linear, decode shape", Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], t[2]),
                tensor(34, dtype, PLAIN, CONTIGUOUS, 1, 129), tensor(35, dtype, PLAIN, CONTIGUOUS, 300, 129),
                tensor(36, dtype, PLAIN, STRIDED, 300));
        // 113: three runs of 32 (512-bit) or seven of 16 (256-bit), an odd one after the pairs, then a tail
        check("linear, decode shape, an odd run", Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], null),
                tensor(39, dtype, PLAIN, CONTIGUOUS, 1, 113), tensor(40, dtype, PLAIN, CONTIGUOUS, 70, 113));
        check("linear, decode shape, the row strided", Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], null),
                tensor(146, dtype, PLAIN, STRIDED, 1, 113), tensor(147, dtype, PLAIN, CONTIGUOUS, 70, 113));
        check("linear without bias", Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], null),
                tensor(37, dtype, PLAIN, STRIDED, 5, 64), tensor(38, dtype, PLAIN, TRANSPOSED, 70, 64));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void linearWithActivation(DType dtype) {
        long seed = 60;
        for (UnaryFn act : List.of(UnaryFn.GELU, UnaryFn.GELU_TANH, UnaryFn.SILU, UnaryFn.RELU)) {
            check("linear+" + act.apiName(), Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], t[2], act),
                    tensor(seed++, dtype, PLAIN, CONTIGUOUS, 3, 33, 40), tensor(seed++, dtype, PLAIN, CONTIGUOUS, 264, 40),
                    tensor(seed++, dtype, PLAIN, CONTIGUOUS, 264));
            check("linear+" + act.apiName() + " without bias", Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], null, act),
                    tensor(seed++, dtype, PLAIN, STRIDED, 130, 24), tensor(seed++, dtype, PLAIN, CONTIGUOUS, 17, 24));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void addmmScalesAndAddsBroadcastAddends(DType dtype) {
        check("addmm", Comparison.RELATIVE_L2, t -> Ops.addmm(t[2], t[0], t[1], 0.5, -2),
                tensor(41, dtype, PLAIN, TRANSPOSED, 21, 33), tensor(42, dtype, PLAIN, CONTIGUOUS, 33, 40),
                tensor(43, dtype, PLAIN, STRIDED, 21, 40));
        check("addmm, row addend", Comparison.RELATIVE_L2, t -> Ops.addmm(t[2], t[0], t[1], 1, 1),
                tensor(44, dtype, PLAIN, CONTIGUOUS, 3, 300), tensor(45, dtype, PLAIN, CONTIGUOUS, 300, 260),
                tensor(46, dtype, PLAIN, CONTIGUOUS, 1, 260));
        check("addmm, batched, column addend, K = 300", Comparison.RELATIVE_L2, t -> Ops.addmm(t[2], t[0], t[1], -1, 0.25),
                tensor(47, dtype, PLAIN, CONTIGUOUS, 2, 70, 300), tensor(48, dtype, PLAIN, CONTIGUOUS, 2, 300, 50),
                tensor(49, dtype, PLAIN, CONTIGUOUS, 70, 1));
        check("addmm, K = 0", Comparison.CLOSE, t -> Ops.addmm(t[2], t[0], t[1], 3, 1),
                tensor(50, dtype, PLAIN, CONTIGUOUS, 4, 0), tensor(51, dtype, PLAIN, CONTIGUOUS, 0, 5),
                tensor(52, dtype, PLAIN, CONTIGUOUS, 4, 5));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    default void addmmWithBetaZeroNeverReadsTheAddend(DType dtype) {
        try (Scope scope = Scope.open()) {
            Tensor nan = Tensor.full(Double.NaN, dtype, 9, 50);
            check("addmm, beta 0, NaN addend", Comparison.RELATIVE_L2, t -> Ops.addmm(t[2], t[0], t[1], 0, 1),
                    tensor(53, dtype, PLAIN, CONTIGUOUS, 9, 20), tensor(54, dtype, PLAIN, CONTIGUOUS, 20, 50), nan);
        }
    }

    /**
     * Weights wrapped {@linkplain Tensor#wrapConstant constant}, as {@code SafeTensors.read} gives
     * them (the CPU backend packs an F32 one once and reuses its panels): linear's (out, in) weight
     * and matmul's (in, out), whole and as views at an offset, across a k block (512 deep on the CPU),
     * from below one tile of rows to several, each product twice (the second reuses what the first
     * kept).
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F64"})
    default void productsWithConstantWeights(DType dtype) {
        long seed = 70;
        for (long[] mkn : new long[][] {{1, 37, 19}, {7, 37, 19}, {8, 64, 49}, {16, 130, 97}, {17, 600, 50}, {33, 1100, 30}, {130, 40, 150}}) {
            long m = mkn[0], k = mkn[1], n = mkn[2];
            try (Scope scope = Scope.open()) {
                Tensor outIn = constant(tensor(seed++, dtype, PLAIN, CONTIGUOUS, n + 3, k + 2));
                Tensor inOut = constant(tensor(seed++, dtype, PLAIN, CONTIGUOUS, k, n));
                Tensor x = tensor(seed++, dtype, PLAIN, CONTIGUOUS, m, k);
                Tensor bias = tensor(seed++, dtype, PLAIN, CONTIGUOUS, n);
                Tensor weight = outIn.narrow(0, 0, n).narrow(1, 0, k);
                Tensor shifted = outIn.narrow(0, 3, n).narrow(1, 2, k);
                for (int call = 0; call < 2; call++) {
                    check("linear, constant (out, in) weight " + m + "x" + k + "x" + n, Comparison.RELATIVE_L2,
                            t -> Ops.linear(t[0], t[1], t[2]), x, weight, bias);
                    check("linear+gelu, constant weight at an offset " + m + "x" + k + "x" + n, Comparison.RELATIVE_L2,
                            t -> Ops.linear(t[0], t[1], t[2], UnaryFn.GELU), x, shifted, bias);
                    check("addmm, constant (in, out) weight " + m + "x" + k + "x" + n, Comparison.RELATIVE_L2,
                            t -> Ops.addmm(t[2], t[0], t[1], 0.5, -2), x, inOut, bias);
                }
            }
        }
    }

    /** {@code t}'s elements copied to fresh memory and wrapped there as a constant tensor. */
    private static Tensor constant(Tensor t) {
        MemorySegment memory = Arena.ofAuto().allocate(t.numel() * t.dtype().byteSize(), 64);
        t.copyTo(memory);
        return Tensor.wrapConstant(memory, t.dtype(), t.shape().dims());
    }

    private void matmul(DType dtype, long m, long n, long k, Layout la, Layout lb, Values values) {
        long seed = m * 1_000_003 + n * 1009 + k;
        check("matmul " + m + "x" + n + "x" + k, Comparison.RELATIVE_L2, t -> Ops.matmul(t[0], t[1]),
                tensor(seed, dtype, values, la, m, k), tensor(seed + 1, dtype, values, lb, k, n));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F64"})
    default void matmulBatchedBroadcastAndVectors(DType dtype) {
        long[][][] pairs = {
            {{2, 3, 5, 7}, {7, 4}},
            {{5, 7}, {2, 3, 7, 4}},
            {{2, 1, 5, 7}, {3, 7, 4}},
            {{4, 1, 6}, {4, 6, 9}},
            {{7}, {7, 4}},
            {{5, 7}, {7}},
            {{7}, {7}},
            {{3, 7}, {2, 3, 7, 1}},
            {{2, 4, 7}, {7}},
        };
        long seed = 11;
        for (long[][] pair : pairs) {
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, BROADCAST, HEAP)) {
                check("matmul", Comparison.RELATIVE_L2, t -> Ops.matmul(t[0], t[1]),
                        tensor(seed++, dtype, PLAIN, layout, pair[0]), tensor(seed++, dtype, PLAIN, CONTIGUOUS, pair[1]));
            }
        }
    }
}
