package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;
import static dev.colossus.testkit.Generators.integers;

import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.HEAP;
import static dev.colossus.testkit.Generators.Layout.OFFSET;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.EXTREMES;
import static dev.colossus.testkit.Generators.Values.PLAIN;
import static dev.colossus.testkit.Generators.Values.SPECIALS;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;
import dev.colossus.testkit.Generators.Layout;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Unary and binary functions and where: every length from 1 to 33 with corner values, views, broadcasting, scalars, integers. */
public interface ElementwiseConformance extends Conformance {
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void unaryEveryLengthFrom1To33WithCornerValues(DType dtype) {
        for (UnaryFn fn : Arrays.stream(UnaryFn.values()).filter(f -> computes(f.apiName())).toList()) {
            for (int n = 1; n <= 33; n++) {
                check(fn.apiName(), Comparison.CLOSE, t -> unary(fn, t[0]), tensor(n, dtype, EXTREMES, CONTIGUOUS, n));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void unaryOnViewsAndLargeTensors(DType dtype) {
        for (UnaryFn fn : Arrays.stream(UnaryFn.values()).filter(f -> computes(f.apiName())).toList()) {
            for (Layout layout : Layout.values()) {
                check(fn.apiName(), Comparison.CLOSE, t -> unary(fn, t[0]), tensor(7, dtype, SPECIALS, layout, 5, 7, 9));
            }
            check(fn.apiName(), Comparison.CLOSE, t -> unary(fn, t[0]), tensor(8, dtype, PLAIN, TRANSPOSED, 301, 257));
        }
    }

    /**
     * GELU's negative tail, x in [-7, -2], where its value is small: within 1e-4 of the reference
     * relatively, not only within the absolute tolerance (1 + erf and 1 + tanh cancel there).
     */
    @Test
    default void geluTailIsRelativelyAccurate() {
        float[] values = new float[1001];
        for (int i = 0; i < values.length; i++) {
            values[i] = -7f + 5f * i / (values.length - 1);
        }
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(values, values.length);
            Tensor moved = x.to(backend().device());
            for (UnaryFn fn : List.of(UnaryFn.GELU, UnaryFn.GELU_TANH)) {
                double[] expected = Backends.using(oracle(), () -> unary(fn, x)).toDoubleArray();
                double[] actual = Backends.using(backend(), () -> unary(fn, moved)).toDoubleArray();
                for (int i = 0; i < values.length; i++) {
                    double error = Math.abs(actual[i] - expected[i]) / Math.abs(expected[i]);
                    int at = i;
                    assertTrue(error <= 1e-4, () -> backend().name() + " " + fn.apiName() + "(" + values[at] + ") = " + actual[at]
                            + ", reference " + expected[at] + ": relative error " + error);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"I64", "I32", "I16", "I8", "U8"})
    default void unaryOnIntegers(DType dtype) {
        for (UnaryFn fn : Arrays.stream(UnaryFn.values()).filter(f -> f.isIntegral() && computes(f.apiName())).toList()) {
            check(fn.apiName(), Comparison.EXACT, t -> unary(fn, t[0]), tensor(3, dtype, PLAIN, STRIDED, 4, 33));
            for (int n = 1; n <= 33; n += 4) {
                check(fn.apiName() + " at the edges", Comparison.EXACT, t -> unary(fn, t[0]), integers(n, dtype, n));
            }
            check(fn.apiName() + " of a transpose", Comparison.EXACT, t -> unary(fn, t[0]), integers(1, dtype, 9, 7).transpose(0, 1));
            check(fn.apiName() + " of many blocks", Comparison.EXACT, t -> unary(fn, t[0]), integers(2, dtype, 3, 70_001));
        }
    }

    /** The public API's function for {@code fn}: {@code Ops.exp} for EXP, and so on. */
    static Tensor unary(UnaryFn fn, Tensor x) {
        return switch (fn) {
            case NEG -> Ops.neg(x);
            case ABS -> Ops.abs(x);
            case EXP -> Ops.exp(x);
            case LOG -> Ops.log(x);
            case SQRT -> Ops.sqrt(x);
            case RSQRT -> Ops.rsqrt(x);
            case TANH -> Ops.tanh(x);
            case SIGMOID -> Ops.sigmoid(x);
            case RELU -> Ops.relu(x);
            case GELU -> Ops.gelu(x);
            case GELU_TANH -> Ops.geluTanh(x);
            case SILU -> Ops.silu(x);
            case SIN -> Ops.sin(x);
            case COS -> Ops.cos(x);
            case ERF -> Ops.erf(x);
            case FLOOR -> Ops.floor(x);
            case CEIL -> Ops.ceil(x);
            case ROUND -> Ops.round(x);
            case SIGN -> Ops.sign(x);
            case RECIPROCAL -> Ops.reciprocal(x);
            case SQUARE -> Ops.square(x);
            case LOG1P -> Ops.log1p(x);
            case EXPM1 -> Ops.expm1(x);
        };
    }

    static Tensor binary(BinaryFn fn, Tensor a, Tensor b) {
        return switch (fn) {
            case ADD -> Ops.add(a, b);
            case SUB -> Ops.sub(a, b);
            case MUL -> Ops.mul(a, b);
            case DIV -> Ops.div(a, b);
            case POW -> Ops.pow(a, b);
            case MAXIMUM -> Ops.maximum(a, b);
            case MINIMUM -> Ops.minimum(a, b);
            case EQ -> Ops.eq(a, b);
            case NE -> Ops.ne(a, b);
            case LT -> Ops.lt(a, b);
            case LE -> Ops.le(a, b);
            case GT -> Ops.gt(a, b);
            case GE -> Ops.ge(a, b);
            case REMAINDER -> Ops.remainder(a, b);
            case FLOOR_DIVIDE -> Ops.floorDivide(a, b);
        };
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void binaryEveryLengthFrom1To33WithCornerValues(DType dtype) {
        for (BinaryFn fn : Arrays.stream(BinaryFn.values()).filter(f -> computes(f.apiName())).toList()) {
            Comparison comparison = fn.isComparison() ? Comparison.EXACT : Comparison.CLOSE;
            for (int n = 1; n <= 33; n++) {
                check(fn.apiName(), comparison, t -> binary(fn, t[0], t[1]),
                        tensor(n, dtype, EXTREMES, CONTIGUOUS, n), tensor(n + 100, dtype, EXTREMES, CONTIGUOUS, n));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    default void binaryBroadcastingAndViews(DType dtype) {
        long[][][] pairs = {
            {{4, 1, 5}, {3, 1}},
            {{}, {2, 3}},
            {{6, 7}, {}},
            {{1, 33}, {17, 1}},
            {{3, 4, 5}, {3, 4, 5}},
            {{300, 257}, {257}},
            {{37, 64}, {64}},
            {{3, 1000}, {1000}},
            {{2051}, {2051}},
            {{9, 24}, {}},
        };
        long seed = 5;
        for (BinaryFn fn : Arrays.stream(BinaryFn.values()).filter(f -> computes(f.apiName())).toList()) {
            Comparison comparison = fn.isComparison() ? Comparison.EXACT : Comparison.CLOSE;
            for (long[][] pair : pairs) {
                for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, OFFSET, HEAP)) {
                    check(fn.apiName(), comparison, t -> binary(fn, t[0], t[1]),
                            tensor(seed++, dtype, SPECIALS, layout, pair[0]), tensor(seed++, dtype, SPECIALS, CONTIGUOUS, pair[1]));
                }
                check(fn.apiName(), comparison, t -> binary(fn, t[0], t[1]),
                        tensor(seed++, dtype, SPECIALS, CONTIGUOUS, pair[0]), tensor(seed++, dtype, SPECIALS, OFFSET, pair[1]));
            }
        }
    }

    /**
     * Operands contiguous along another dimension than the output, each side at least 8 long, so that the
     * CPU copies them into the output's layout tile by tile first: a transposed operand of a binary op, of
     * a function, of a cast and of {@code where}, a permuted batch, and a broadcast one.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F16"})
    default void operandsLaidOutAcrossTheOutput(DType dtype) {
        Tensor x = tensor(81, dtype, SPECIALS, CONTIGUOUS, 70, 131);
        Tensor y = tensor(82, dtype, PLAIN, CONTIGUOUS, 131, 70);
        check("mul by a transposed operand", Comparison.CLOSE, t -> Ops.mul(t[0], t[1].transpose(0, 1)), x, y);
        check("sub from a transposed operand", Comparison.CLOSE, t -> Ops.sub(t[1].transpose(0, 1), t[0]), x, y);
        check("exp of a transpose", Comparison.CLOSE, t -> Ops.exp(t[0].transpose(0, 1)), x);
        check("cast of a transpose", Comparison.EXACT, t -> t[0].transpose(0, 1).to(DType.F32), x);
        check("where of a transposed operand", Comparison.EXACT, t -> Ops.where(Ops.gt(t[0], 0), t[0], t[1].transpose(0, 1)), x, y);
        Tensor batch = tensor(83, dtype, PLAIN, CONTIGUOUS, 3, 40, 50), permuted = tensor(84, dtype, PLAIN, CONTIGUOUS, 3, 50, 40);
        check("add a permuted batch", Comparison.CLOSE, t -> Ops.add(t[0], t[1].permute(0, 2, 1)), batch, permuted);
        check("add a transpose broadcast over the batch", Comparison.CLOSE, t -> Ops.add(t[0], t[1].select(0, 1).transpose(0, 1)),
                batch, permuted);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    default void binaryWithScalars(DType dtype) {
        Tensor x = tensor(9, dtype, SPECIALS, STRIDED, 3, 29);
        check("add scalar", Comparison.CLOSE, t -> Ops.add(t[0], 0.5), x);
        check("mul scalar", Comparison.CLOSE, t -> Ops.mul(t[0], -3), x);
        check("pow scalar", Comparison.CLOSE, t -> Ops.pow(t[0], 2), x);
        check("pow odd scalar", Comparison.CLOSE, t -> Ops.pow(t[0], 3), x);
        check("pow non-integral scalar", Comparison.CLOSE, t -> Ops.pow(t[0], -1.5), x);
        check("maximum scalar", Comparison.CLOSE, t -> Ops.maximum(t[0], 0), x);
        check("gt scalar", Comparison.EXACT, t -> Ops.gt(t[0], 0.25), x);
    }

    @ParameterizedTest
    @EnumSource(names = {"I64", "I32", "I16", "I8", "U8"})
    default void binaryOnIntegers(DType dtype) {
        for (BinaryFn fn : Arrays.stream(BinaryFn.values()).filter(f -> computes(f.apiName())).toList()) {
            if (fn.isIntegral()) {
                check(fn.apiName(), Comparison.EXACT, t -> binary(fn, t[0], t[1]),
                        tensor(1, dtype, PLAIN, TRANSPOSED, 5, 9), tensor(2, dtype, PLAIN, CONTIGUOUS, 9));
            }
        }
    }

    /**
     * The integer functions at the edges of their types: sums and products that wrap, {@code MIN_VALUE /
     * -1}, zero divisors, floorMod's signs; every length from 1 to 33, a transposed, a strided and an
     * offset view, broadcasting both ways, and a tensor of several blocks for every thread.
     */
    @ParameterizedTest
    @EnumSource(names = {"I64", "I32", "I16", "I8", "U8"})
    default void binaryOnIntegersAtTheirEdges(DType dtype) {
        for (BinaryFn fn : Arrays.stream(BinaryFn.values()).filter(f -> f.isIntegral() && computes(f.apiName())).toList()) {
            Function<Tensor[], Tensor> op = t -> binary(fn, t[0], t[1]);
            for (int n = 1; n <= 33; n++) {
                check(fn.apiName(), Comparison.EXACT, op, integers(n, dtype, n), integers(n + 100, dtype, n));
            }
            check(fn.apiName() + " of a transpose", Comparison.EXACT, op, integers(1, dtype, 9, 7).transpose(0, 1), integers(2, dtype, 7, 9));
            check(fn.apiName() + " of strided views", Comparison.EXACT, op, integers(3, dtype, 5, 40).slice(1, 1, 40, 3),
                    integers(4, dtype, 5, 26).slice(1, 0, 26, 2));
            check(fn.apiName() + " of an offset view", Comparison.EXACT, op, integers(5, dtype, 6, 21).narrow(0, 2, 3),
                    integers(6, dtype, 3, 21));
            check(fn.apiName() + " broadcast", Comparison.EXACT, op, integers(7, dtype, 17, 1), integers(8, dtype, 1, 33));
            check(fn.apiName() + " by a scalar", Comparison.EXACT, op, integers(9, dtype, 4, 33), integers(10, dtype));
            check(fn.apiName() + " of many blocks", Comparison.EXACT, op, integers(11, dtype, 3, 70_001), integers(12, dtype, 70_001));
        }
    }

    @Test
    default void booleanEquality() {
        Tensor a = tensor(1, DType.BOOL, PLAIN, CONTIGUOUS, 4, 9);
        Tensor b = tensor(2, DType.BOOL, PLAIN, STRIDED, 4, 9);
        check("eq", Comparison.EXACT, t -> Ops.eq(t[0], t[1]), a, b);
        check("ne", Comparison.EXACT, t -> Ops.ne(t[0], t[1]), a, b);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8"})
    default void where(DType dtype) {
        long[][][] shapes = {{{5, 7}, {5, 7}, {5, 7}}, {{5, 1}, {1, 7}, {}}, {{33}, {4, 33}, {4, 1}}};
        long seed = 1;
        for (long[][] s : shapes) {
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, HEAP)) {
                check("where", Comparison.EXACT, t -> Ops.where(t[0], t[1], t[2]),
                        tensor(seed++, DType.BOOL, PLAIN, layout, s[0]), tensor(seed++, dtype, SPECIALS, layout, s[1]),
                        tensor(seed++, dtype, SPECIALS, CONTIGUOUS, s[2]));
            }
        }
        check("where of many blocks", Comparison.EXACT, t -> Ops.where(t[0], t[1], t[2]), tensor(seed++, DType.BOOL, PLAIN, STRIDED, 3, 70_001),
                tensor(seed++, dtype, SPECIALS, CONTIGUOUS, 3, 70_001), tensor(seed, dtype, SPECIALS, TRANSPOSED, 3, 70_001));
    }
}
