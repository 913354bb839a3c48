package dev.colossus.testkit;

import static dev.colossus.testkit.Generators.Layout.BROADCAST;
import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.OFFSET;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.EXTREMES;
import static dev.colossus.testkit.Generators.Values.PLAIN;
import static dev.colossus.testkit.Generators.Values.SPECIALS;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.AttentionOptions;
import dev.colossus.AttentionResult;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;
import dev.colossus.spi.Backend;
import dev.colossus.testkit.Generators.Layout;
import dev.colossus.testkit.Generators.Values;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every op, dtype and layout a user can reach, run on {@link #backend()} and on {@link #oracle()} (the
 * reference) over the same inputs, compared with the dtype's {@link Tolerance}. A backend's test
 * subclasses this and names its backend; inputs are made on the host and moved to the backend's
 * device, results moved back.
 */
@ExtendWith(ScopePerTest.class)
public abstract class BackendConformanceTest {
    private static final List<DType> FLOATS = List.of(DType.F32, DType.F16, DType.BF16, DType.F64);


    /** The backend under test. */
    protected abstract Backend backend();

    /** What the backend is compared with: the reference, unless a subclass tests the reference itself. */
    protected Backend oracle() {
        return Backends.get("reference");
    }

    private enum Comparison { EXACT, CLOSE, RELATIVE_L2 }

    /** Runs {@code op} on the oracle and on the backend over {@code inputs} and compares the results. */
    private void check(String context, Comparison comparison, Function<Tensor[], Tensor> op, Tensor... inputs) {
        try (Scope scope = Scope.open()) {
            Tensor expected = Backends.using(oracle(), () -> op.apply(inputs));
            Tensor[] moved = Arrays.stream(inputs).map(t -> t.to(backend().device())).toArray(Tensor[]::new);
            Tensor actual = Backends.using(backend(), () -> op.apply(moved)).to(Device.CPU);
            String where = backend().name() + " " + context + " on " + describe(inputs);
            switch (comparison) {
                case EXACT -> TensorAssert.assertExact(where, expected, actual);
                case CLOSE -> TensorAssert.assertClose(where, expected, actual, Tolerance.of(expected.dtype()));
                case RELATIVE_L2 -> TensorAssert.assertRelativeL2(where, expected, actual, Tolerance.of(expected.dtype()));
            }
        }
    }

    /** As {@link #check} for a sum-like reduction, allowing for cancellation in proportion to {@code absSums}. */
    private void checkSum(String context, Function<Tensor, Tensor> op, Function<Tensor, Tensor> absSums, Tensor input) {
        try (Scope scope = Scope.open()) {
            Tensor expected = Backends.using(oracle(), () -> op.apply(input));
            Tensor magnitudes = Backends.using(oracle(), () -> absSums.apply(input));
            Tensor moved = input.to(backend().device());
            Tensor actual = Backends.using(backend(), () -> op.apply(moved)).to(Device.CPU);
            TensorAssert.assertSumClose(backend().name() + " " + context + " on " + describe(input), expected, actual,
                    magnitudes, Tolerance.of(expected.dtype()));
        }
    }

    private static String describe(Tensor... inputs) {
        StringBuilder sb = new StringBuilder();
        for (Tensor t : inputs) {
            sb.append(sb.isEmpty() ? "" : ", ").append(t.shape()).append(' ').append(t.dtype())
                    .append(" strides ").append(Arrays.toString(t.strides()));
        }
        return sb.toString();
    }

    private static Tensor tensor(long seed, DType dtype, Values values, Layout layout, long... shape) {
        return Generators.tensor(seed, dtype, values, layout, shape);
    }

    // ---- matmul ----

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void matmulEveryEdgeFrom1To33(DType dtype) {
        for (int s = 1; s <= 33; s++) {
            matmul(dtype, s, 17, 19, CONTIGUOUS, CONTIGUOUS, PLAIN);
            matmul(dtype, 7, s, 13, CONTIGUOUS, CONTIGUOUS, PLAIN);
            matmul(dtype, 9, 11, s, CONTIGUOUS, CONTIGUOUS, PLAIN);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void matmulTransposedAndStridedOperands(DType dtype) {
        for (Layout a : List.of(CONTIGUOUS, TRANSPOSED, STRIDED)) {
            for (Layout b : List.of(CONTIGUOUS, TRANSPOSED, STRIDED)) {
                matmul(dtype, 21, 35, 30, a, b, PLAIN);
                matmul(dtype, 1, 40, 33, a, b, PLAIN);
                matmul(dtype, 6, 37, 70, a, b, PLAIN);
                matmul(dtype, 16, 9, 45, a, b, PLAIN);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    void matmulLarge(DType dtype) {
        matmul(dtype, 127, 300, 259, CONTIGUOUS, CONTIGUOUS, PLAIN);
        matmul(dtype, 200, 64, 513, TRANSPOSED, CONTIGUOUS, PLAIN);
        matmul(dtype, 3, 1000, 700, CONTIGUOUS, TRANSPOSED, PLAIN);
        for (int m = 1; m <= 5; m++) {
            matmul(dtype, m, 333, 129, CONTIGUOUS, CONTIGUOUS, PLAIN);
        }
        matmul(dtype, 1, 256, 65, STRIDED, CONTIGUOUS, PLAIN);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    void matmulPropagatesNaNAndInfinities(DType dtype) {
        matmul(dtype, 13, 29, 31, CONTIGUOUS, CONTIGUOUS, SPECIALS);
        matmul(dtype, 33, 5, 64, TRANSPOSED, STRIDED, SPECIALS);
        matmul(dtype, 1, 300, 40, CONTIGUOUS, CONTIGUOUS, SPECIALS);
        matmul(dtype, 3, 130, 17, CONTIGUOUS, CONTIGUOUS, SPECIALS);
        matmul(dtype, 7, 41, 90, CONTIGUOUS, TRANSPOSED, SPECIALS);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void linearWithAndWithoutBias(DType dtype) {
        check("linear", Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], t[2]),
                tensor(31, dtype, PLAIN, CONTIGUOUS, 2, 3, 37), tensor(32, dtype, PLAIN, CONTIGUOUS, 19, 37),
                tensor(33, dtype, PLAIN, CONTIGUOUS, 19));
        check("linear, decode shape", Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], t[2]),
                tensor(34, dtype, PLAIN, CONTIGUOUS, 1, 129), tensor(35, dtype, PLAIN, CONTIGUOUS, 300, 129),
                tensor(36, dtype, PLAIN, STRIDED, 300));
        check("linear without bias", Comparison.RELATIVE_L2, t -> Ops.linear(t[0], t[1], null),
                tensor(37, dtype, PLAIN, STRIDED, 5, 64), tensor(38, dtype, PLAIN, TRANSPOSED, 70, 64));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void linearWithActivation(DType dtype) {
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
    void addmmScalesAndAddsBroadcastAddends(DType dtype) {
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
    void addmmWithBetaZeroNeverReadsTheAddend(DType dtype) {
        try (Scope scope = Scope.open()) {
            Tensor nan = Tensor.full(Double.NaN, dtype, 9, 50);
            check("addmm, beta 0, NaN addend", Comparison.RELATIVE_L2, t -> Ops.addmm(t[2], t[0], t[1], 0, 1),
                    tensor(53, dtype, PLAIN, CONTIGUOUS, 9, 20), tensor(54, dtype, PLAIN, CONTIGUOUS, 20, 50), nan);
        }
    }

    private void matmul(DType dtype, long m, long n, long k, Layout la, Layout lb, Values values) {
        long seed = m * 1_000_003 + n * 1009 + k;
        check("matmul " + m + "x" + n + "x" + k, Comparison.RELATIVE_L2, t -> Ops.matmul(t[0], t[1]),
                tensor(seed, dtype, values, la, m, k), tensor(seed + 1, dtype, values, lb, k, n));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F64"})
    void matmulBatchedBroadcastAndVectors(DType dtype) {
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
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, BROADCAST)) {
                check("matmul", Comparison.RELATIVE_L2, t -> Ops.matmul(t[0], t[1]),
                        tensor(seed++, dtype, PLAIN, layout, pair[0]), tensor(seed++, dtype, PLAIN, CONTIGUOUS, pair[1]));
            }
        }
    }

    // ---- attention ----

    /** One attention problem: (B, Hq, Hkv, Lq, Lk, D, Dv) and its options. */
    private record AttentionCase(long b, long hq, long hkv, long lq, long lk, long d, long dv, boolean causal,
            String mask, double scale) {
    }

    private static final List<AttentionCase> ATTENTION_CASES = List.of(
            new AttentionCase(1, 2, 2, 5, 7, 8, 8, false, "none", Double.NaN),
            new AttentionCase(2, 8, 2, 9, 13, 16, 12, false, "none", Double.NaN),
            new AttentionCase(1, 4, 1, 17, 17, 32, 32, true, "none", Double.NaN),
            new AttentionCase(1, 2, 2, 6, 40, 8, 8, true, "none", Double.NaN),
            new AttentionCase(1, 2, 2, 40, 6, 8, 8, true, "none", Double.NaN),
            new AttentionCase(2, 4, 2, 1, 300, 64, 64, false, "none", Double.NaN),
            new AttentionCase(1, 3, 3, 70, 150, 33, 17, true, "none", 0.3),
            new AttentionCase(2, 4, 4, 11, 19, 16, 16, false, "bool", Double.NaN),
            new AttentionCase(2, 4, 2, 11, 19, 16, 16, true, "bool", Double.NaN),
            new AttentionCase(1, 6, 3, 23, 29, 8, 8, false, "additive", Double.NaN),
            new AttentionCase(1, 2, 1, 130, 130, 64, 64, true, "additive", Double.NaN),
            // Several key blocks, query tiles and query groups of a tiled kernel, with ragged tails.
            new AttentionCase(1, 4, 2, 100, 450, 40, 24, true, "bool", Double.NaN),
            new AttentionCase(1, 2, 1, 77, 397, 64, 48, false, "additive", Double.NaN),
            new AttentionCase(1, 2, 2, 600, 300, 16, 16, true, "none", Double.NaN),
            new AttentionCase(2, 3, 3, 530, 530, 9, 9, false, "none", Double.NaN),
            // Decode against a long cache: one key/value head for several query heads, the keys split.
            new AttentionCase(1, 4, 1, 1, 2000, 32, 24, false, "none", Double.NaN),
            new AttentionCase(1, 6, 2, 3, 1500, 16, 16, true, "bool", Double.NaN),
            new AttentionCase(1, 2, 1, 2, 1100, 8, 8, false, "additive", Double.NaN),
            // The head dimensions a GPU's fused kernel takes (64, 128): ragged tiles, Lq < Lk, GQA, masks, key splits.
            new AttentionCase(1, 4, 2, 70, 200, 64, 64, true, "bool", Double.NaN),
            new AttentionCase(1, 4, 1, 65, 300, 64, 64, false, "additive", Double.NaN),
            new AttentionCase(1, 2, 1, 129, 129, 128, 128, true, "none", Double.NaN),
            new AttentionCase(2, 8, 2, 1, 1000, 128, 128, false, "none", Double.NaN),
            new AttentionCase(1, 4, 4, 3, 700, 128, 128, true, "additive", 0.05),
            // No keys at all: every row NaN, every log-sum-exp -Inf.
            new AttentionCase(1, 2, 1, 3, 0, 8, 8, false, "none", Double.NaN),
            // Empty head dimensions, decode and prefill: D = 0 scores 0 (NaN with the default scale 1/sqrt(0)),
            // Dv = 0 an empty output.
            new AttentionCase(1, 2, 1, 1, 5, 0, 8, false, "none", Double.NaN),
            new AttentionCase(1, 2, 1, 30, 40, 0, 8, true, "none", 0.5),
            new AttentionCase(1, 2, 1, 2, 9, 8, 0, true, "bool", Double.NaN),
            new AttentionCase(1, 2, 2, 30, 30, 16, 0, false, "none", Double.NaN));

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void attention(DType dtype) {
        long seed = 100;
        for (AttentionCase c : ATTENTION_CASES) {
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED)) {
                Tensor q = tensor(seed++, dtype, PLAIN, layout, c.b(), c.hq(), c.lq(), c.d());
                Tensor k = tensor(seed++, dtype, PLAIN, layout, c.b(), c.hkv(), c.lk(), c.d());
                Tensor v = tensor(seed++, dtype, PLAIN, CONTIGUOUS, c.b(), c.hkv(), c.lk(), c.dv());
                Tensor mask = switch (c.mask()) {
                    case "bool" -> tensor(seed++, DType.BOOL, PLAIN, CONTIGUOUS, c.b(), 1, c.lq(), c.lk());
                    case "additive" -> tensor(seed++, dtype, PLAIN, CONTIGUOUS, c.lq(), c.lk());
                    default -> null;
                };
                AttentionOptions options = AttentionOptions.defaults().causal(c.causal()).scale(c.scale());
                String context = "attention " + c + " " + layout;
                Function<Tensor[], AttentionOptions> withMask = t -> mask == null ? options : options.mask(t[3]);
                Tensor[] inputs = mask == null ? new Tensor[] {q, k, v} : new Tensor[] {q, k, v, mask};
                check(context, Comparison.RELATIVE_L2, t -> Ops.scaledDotProductAttention(t[0], t[1], t[2], withMask.apply(t)),
                        inputs);
                if (layout == CONTIGUOUS) {
                    checkLogSumExp(context, dtype, t -> Ops.scaledDotProductAttentionWithLogSumExp(t[0], t[1], t[2], withMask.apply(t)),
                            inputs);
                }
            }
        }
    }

    /**
     * Both results of attention with its log-sum-exps: the output by relative L2, the log-sum-exps
     * element by element, with {@code dtype}'s tolerance (a composed path computes them from scores in
     * q's dtype), -Inf where the reference has it.
     */
    private void checkLogSumExp(String context, DType dtype, Function<Tensor[], AttentionResult> op, Tensor... inputs) {
        check(context + " with log-sum-exp: out", Comparison.RELATIVE_L2, t -> op.apply(t).out(), inputs);
        check(context + " with log-sum-exp: logSumExp", Comparison.CLOSE, t -> op.apply(t).logSumExp().to(dtype), inputs);
    }

    @Test
    void attentionRowWithNoVisibleKeyIsNaN() {
        Tensor q = Generators.tensor(1, DType.F32, 1, 1, 4, 8);
        Tensor k = Generators.tensor(2, DType.F32, 1, 1, 3, 8);
        Tensor v = Generators.tensor(3, DType.F32, 1, 1, 3, 8);
        // Lq = 4 > Lk = 3, causal and bottom-right aligned: query 0 sees no key (its log-sum-exp: -Inf)
        AttentionOptions causal = AttentionOptions.defaults().causal(true);
        check("attention causal Lq > Lk", Comparison.RELATIVE_L2, t -> Ops.scaledDotProductAttention(t[0], t[1], t[2], causal),
                q, k, v);
        checkLogSumExp("attention causal Lq > Lk", DType.F32,
                t -> Ops.scaledDotProductAttentionWithLogSumExp(t[0], t[1], t[2], causal), q, k, v);
    }

    /**
     * NaN in value rows a query does not see (a KV cache's unused slots behind a mask, keys past the
     * causal diagonal) stays out of that query's output; a query that does see one gets NaN.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    protected void keysAQueryDoesNotSeeContributeNothingEvenWithNaNValues(DType dtype) {
        long seed = 900;
        for (long lq : new long[] {1, 3, 40}) {
            long lk = 300, d = 16, dv = 24;
            Tensor q = tensor(seed++, dtype, PLAIN, CONTIGUOUS, 1, 2, lq, d);
            Tensor k = tensor(seed++, dtype, PLAIN, CONTIGUOUS, 1, 1, lk, d);
            float[] values = tensor(seed++, DType.F32, PLAIN, CONTIGUOUS, 1, 1, lk, dv).toFloatArray();
            long used = 250;
            for (long j = used; j < lk; j++) {
                Arrays.fill(values, (int) (j * dv), (int) ((j + 1) * dv), Float.NaN);
            }
            Arrays.fill(values, (int) ((used - 1) * dv), (int) (used * dv), Float.NaN);
            Tensor v = Tensor.of(values, 1, 1, lk, dv).to(dtype);
            boolean[] slots = new boolean[(int) lk];
            Arrays.fill(slots, 0, (int) used - 1, true);
            Tensor cache = Tensor.of(slots, 1, 1, 1, lk);
            String context = "attention, NaN values in unseen keys, Lq " + lq;
            check(context + ", bool mask", Comparison.RELATIVE_L2,
                    t -> Ops.scaledDotProductAttention(t[0], t[1], t[2], AttentionOptions.defaults().mask(t[3])), q, k, v, cache);
            Tensor additive = Ops.where(cache, Tensor.zeros(dtype), Double.NEGATIVE_INFINITY);
            check(context + ", additive mask", Comparison.RELATIVE_L2,
                    t -> Ops.scaledDotProductAttention(t[0], t[1], t[2], AttentionOptions.defaults().mask(t[3])), q, k, v, additive);
            Tensor shortKeys = k.narrow(2, 0, used), shortValues = v.narrow(2, 0, used);
            check(context + ", causal: only the last query sees key " + (used - 1), Comparison.RELATIVE_L2,
                    t -> Ops.scaledDotProductAttention(t[0], t[1], t[2], AttentionOptions.defaults().causal(true)),
                    q, shortKeys, shortValues);
        }
    }

    // ---- elementwise ----

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void unaryEveryLengthFrom1To33WithCornerValues(DType dtype) {
        for (UnaryFn fn : UnaryFn.values()) {
            for (int n = 1; n <= 33; n++) {
                check(fn.apiName(), Comparison.CLOSE, t -> unary(fn, t[0]), tensor(n, dtype, EXTREMES, CONTIGUOUS, n));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void unaryOnViewsAndLargeTensors(DType dtype) {
        for (UnaryFn fn : UnaryFn.values()) {
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
    void geluTailIsRelativelyAccurate() {
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
    @EnumSource(names = {"I32", "I64"})
    void unaryOnIntegers(DType dtype) {
        for (UnaryFn fn : List.of(UnaryFn.NEG, UnaryFn.ABS, UnaryFn.RELU)) {
            check(fn.apiName(), Comparison.EXACT, t -> unary(fn, t[0]), tensor(3, dtype, PLAIN, STRIDED, 4, 33));
        }
    }

    /** The public API's function for {@code fn}: {@code Ops.exp} for EXP, and so on. */
    public static Tensor unary(UnaryFn fn, Tensor x) {
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
        };
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void binaryEveryLengthFrom1To33WithCornerValues(DType dtype) {
        for (BinaryFn fn : BinaryFn.values()) {
            Comparison comparison = fn.isComparison() ? Comparison.EXACT : Comparison.CLOSE;
            for (int n = 1; n <= 33; n++) {
                check(fn.apiName(), comparison, t -> binary(fn, t[0], t[1]),
                        tensor(n, dtype, EXTREMES, CONTIGUOUS, n), tensor(n + 100, dtype, EXTREMES, CONTIGUOUS, n));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void binaryBroadcastingAndViews(DType dtype) {
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
        for (BinaryFn fn : BinaryFn.values()) {
            Comparison comparison = fn.isComparison() ? Comparison.EXACT : Comparison.CLOSE;
            for (long[][] pair : pairs) {
                for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, OFFSET)) {
                    check(fn.apiName(), comparison, t -> binary(fn, t[0], t[1]),
                            tensor(seed++, dtype, SPECIALS, layout, pair[0]), tensor(seed++, dtype, SPECIALS, CONTIGUOUS, pair[1]));
                }
                check(fn.apiName(), comparison, t -> binary(fn, t[0], t[1]),
                        tensor(seed++, dtype, SPECIALS, CONTIGUOUS, pair[0]), tensor(seed++, dtype, SPECIALS, OFFSET, pair[1]));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    void binaryWithScalars(DType dtype) {
        Tensor x = tensor(9, dtype, SPECIALS, STRIDED, 3, 29);
        check("add scalar", Comparison.CLOSE, t -> Ops.add(t[0], 0.5), x);
        check("mul scalar", Comparison.CLOSE, t -> Ops.mul(t[0], -3), x);
        check("pow scalar", Comparison.CLOSE, t -> Ops.pow(t[0], 2), x);
        check("maximum scalar", Comparison.CLOSE, t -> Ops.maximum(t[0], 0), x);
        check("gt scalar", Comparison.EXACT, t -> Ops.gt(t[0], 0.25), x);
    }

    @ParameterizedTest
    @EnumSource(names = {"I32", "I64"})
    void binaryOnIntegers(DType dtype) {
        for (BinaryFn fn : BinaryFn.values()) {
            if (fn.isIntegral()) {
                check(fn.apiName(), Comparison.EXACT, t -> binary(fn, t[0], t[1]),
                        tensor(1, dtype, PLAIN, TRANSPOSED, 5, 9), tensor(2, dtype, PLAIN, CONTIGUOUS, 9));
            }
        }
    }

    @Test
    void booleanEquality() {
        Tensor a = tensor(1, DType.BOOL, PLAIN, CONTIGUOUS, 4, 9);
        Tensor b = tensor(2, DType.BOOL, PLAIN, STRIDED, 4, 9);
        check("eq", Comparison.EXACT, t -> Ops.eq(t[0], t[1]), a, b);
        check("ne", Comparison.EXACT, t -> Ops.ne(t[0], t[1]), a, b);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64", "I32"})
    void where(DType dtype) {
        long[][][] shapes = {{{5, 7}, {5, 7}, {5, 7}}, {{5, 1}, {1, 7}, {}}, {{33}, {4, 33}, {4, 1}}};
        long seed = 1;
        for (long[][] s : shapes) {
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED)) {
                check("where", Comparison.EXACT, t -> Ops.where(t[0], t[1], t[2]),
                        tensor(seed++, DType.BOOL, PLAIN, layout, s[0]), tensor(seed++, dtype, SPECIALS, layout, s[1]),
                        tensor(seed++, dtype, SPECIALS, CONTIGUOUS, s[2]));
            }
        }
    }

    // ---- casts and copies ----

    @Test
    void castsBetweenEveryPairOfDTypes() {
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED)) {
                    check("cast " + from + "->" + to, Comparison.EXACT, t -> t[0].to(to),
                            tensor(from.ordinal(), from, EXTREMES, layout, 9, 33));
                }
            }
        }
    }

    @Test
    void castsOfLargeTensors() {
        for (DType from : FLOATS) {
            for (DType to : FLOATS) {
                check("cast " + from + "->" + to, Comparison.EXACT, t -> t[0].to(to), tensor(1, from, SPECIALS, STRIDED, 70_001));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void contiguousCopiesOfEveryLayout(DType dtype) {
        for (Layout layout : Layout.values()) {
            check("contiguous", Comparison.EXACT, t -> t[0].contiguous(), tensor(4, dtype, EXTREMES, layout, 3, 5, 33));
        }
        check("permuted contiguous", Comparison.EXACT, t -> t[0].permute(2, 0, 1).contiguous(),
                tensor(5, dtype, PLAIN, CONTIGUOUS, 30, 40, 50));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void fillAndArange(DType dtype) {
        check("full", Comparison.EXACT, t -> Tensor.full(1.5, dtype, 3, 33));
        check("ones", Comparison.EXACT, t -> Tensor.ones(dtype, 70_000));
        check("arange", Comparison.EXACT, t -> Tensor.arange(-3, 30, 0.5, dtype));
    }

    // ---- reductions ----

    private static final int[][] REDUCED_DIMS = {{0}, {1}, {2}, {0, 2}, {1, 2}, {}};

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void sumMeanVarOverEveryAxisSet(DType dtype) {
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
    void maxMinArgmaxWithCornerValues(DType dtype) {
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
    void reductionsOfEveryLengthFrom1To33AndLong(DType dtype) {
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
    void sumPropagatesNaNAndInfinities(DType dtype) {
        check("sum", Comparison.CLOSE, t -> Ops.sum(t[0], -1), tensor(4, dtype, SPECIALS, CONTIGUOUS, 40, 50));
        check("sum", Comparison.CLOSE, t -> Ops.sum(t[0], 0), tensor(5, dtype, SPECIALS, CONTIGUOUS, 40, 50));
    }

    @ParameterizedTest
    @EnumSource(names = {"I32", "I64", "BOOL"})
    void integerReductions(DType dtype) {
        Tensor x = tensor(6, dtype, PLAIN, TRANSPOSED, 5, 40);
        check("sum", Comparison.EXACT, t -> Ops.sum(t[0], 1), x);
        check("sum all", Comparison.EXACT, t -> Ops.sum(t[0]), x);
        check("max", Comparison.EXACT, t -> Ops.max(t[0], 0), x);
        check("min", Comparison.EXACT, t -> Ops.min(t[0], new int[] {0, 1}, true), x);
        check("argmax", Comparison.EXACT, t -> Ops.argmax(t[0], 1, false), x);
    }

    // ---- softmax and norms ----

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void softmaxAndLogSoftmaxAlongEveryAxis(DType dtype) {
        for (int n = 1; n <= 33; n++) {
            Tensor x = tensor(n, dtype, PLAIN, CONTIGUOUS, 3, n);
            check("softmax", Comparison.CLOSE, t -> Ops.softmax(t[0], -1), x);
            check("logSoftmax", Comparison.CLOSE, t -> Ops.logSoftmax(t[0], -1), x);
        }
        for (int dim = 0; dim < 3; dim++) {
            int d = dim;
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED)) {
                Tensor x = tensor(dim + 10L * layout.ordinal(), dtype, PLAIN, layout, 5, 6, 37);
                check("softmax dim " + d, Comparison.CLOSE, t -> Ops.softmax(t[0], d), x);
                check("logSoftmax dim " + d, Comparison.CLOSE, t -> Ops.logSoftmax(t[0], d), x);
            }
        }
        check("softmax long", Comparison.CLOSE, t -> Ops.softmax(t[0], -1), tensor(3, dtype, PLAIN, CONTIGUOUS, 4, 5000));
        check("logSoftmax long", Comparison.CLOSE, t -> Ops.logSoftmax(t[0], -1), tensor(4, dtype, PLAIN, CONTIGUOUS, 4, 5000));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F64"})
    void softmaxWithInfinities(DType dtype) {
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
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F64"})
    void layerNormAndRmsNorm(DType dtype) {
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
    protected void normsOfValuesWhoseSquaresOverflowF32(DType dtype) {
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
    void meansAndVariancesOfValuesWhoseSquaresOverflowF32(DType dtype) {
        for (HugeValues h : hugeValues(dtype)) {
            Tensor columns = h.x().transpose(0, 1).contiguous();
            check("mean" + h.at(), Comparison.CLOSE, t -> Ops.mean(t[0], -1), h.x());
            check("var" + h.at(), Comparison.CLOSE, t -> Ops.var(t[0], new int[] {-1}, 0, false), h.x());
            check("mean over rows" + h.at(), Comparison.CLOSE, t -> Ops.mean(t[0], 0), columns);
            check("var over rows" + h.at(), Comparison.CLOSE, t -> Ops.var(t[0], new int[] {0}, 1, false), columns);
        }
        check("mean of 4096 x 1e35", Comparison.CLOSE, t -> Ops.mean(t[0]), Tensor.full(1e35, dtype, 4096));
    }

    private record HugeValues(Tensor x, String at) {
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
    void addRmsNorm(DType dtype) {
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
