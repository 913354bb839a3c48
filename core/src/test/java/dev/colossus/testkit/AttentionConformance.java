package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;

import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.HEAP;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.PLAIN;

import dev.colossus.AttentionOptions;
import dev.colossus.AttentionResult;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators.Layout;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Scaled dot-product attention: causal, masks, grouped-query heads, key splits, empty dimensions, log-sum-exps. */
public interface AttentionConformance extends Conformance {
    /** One attention problem: (B, Hq, Hkv, Lq, Lk, D, Dv) and its options. */
    record AttentionCase(long b, long hq, long hkv, long lq, long lk, long d, long dv, boolean causal,
            String mask, double scale) {
    }

    List<AttentionCase> ATTENTION_CASES = List.of(
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
            // A padding mask, (B, 1, 1, Lk): one row of the mask for every head and query of a batch.
            new AttentionCase(2, 12, 12, 37, 69, 32, 32, false, "padding", Double.NaN),
            new AttentionCase(3, 4, 2, 1, 300, 16, 16, false, "padding", Double.NaN),
            // Padding as a tokenizer makes it: each batch's keys a run of tokens, then none (all, about half, none).
            new AttentionCase(3, 4, 2, 37, 69, 32, 32, false, "prefix", Double.NaN),
            new AttentionCase(3, 2, 1, 40, 450, 16, 24, true, "prefix", Double.NaN),
            new AttentionCase(4, 3, 3, 20, 33, 8, 8, false, "prefixAdditive", Double.NaN),
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
    default void attention(DType dtype) {
        long seed = 100;
        for (AttentionCase c : ATTENTION_CASES) {
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, HEAP)) {
                Tensor q = tensor(seed++, dtype, PLAIN, layout, c.b(), c.hq(), c.lq(), c.d());
                Tensor k = tensor(seed++, dtype, PLAIN, layout, c.b(), c.hkv(), c.lk(), c.d());
                Tensor v = tensor(seed++, dtype, PLAIN, CONTIGUOUS, c.b(), c.hkv(), c.lk(), c.dv());
                Tensor mask = switch (c.mask()) {
                    case "bool" -> tensor(seed++, DType.BOOL, PLAIN, CONTIGUOUS, c.b(), 1, c.lq(), c.lk());
                    case "padding" -> tensor(seed++, DType.BOOL, PLAIN, CONTIGUOUS, c.b(), 1, 1, c.lk());
                    case "additive" -> tensor(seed++, dtype, PLAIN, CONTIGUOUS, c.lq(), c.lk());
                    case "prefix" -> tokens(c.b(), c.lk());
                    case "prefixAdditive" -> Ops.where(tokens(c.b(), c.lk()), Tensor.zeros(dtype), Double.NEGATIVE_INFINITY);
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
     * A padding mask, (B, 1, 1, Lk): batch i's first {@code Lk (B - 1 - i) / (B - 1)} keys are tokens,
     * so the first batch sees every key, the last none (its rows NaN).
     */
    private static Tensor tokens(long b, long lk) {
        boolean[] keep = new boolean[(int) (b * lk)];
        for (int i = 0; i < b; i++) {
            Arrays.fill(keep, (int) (i * lk), (int) (i * lk + lk * (b - 1 - i) / (b - 1)), true);
        }
        return Tensor.of(keep, b, 1, 1, lk);
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

    /**
     * The output lies in memory as (B, Lq, Hq, Dv), with and without log-sum-exps, on the backend and the
     * reference alike: the heads joined per query, {@code out.transpose(1, 2).reshape(B, Lq, Hq Dv)}, are
     * a view, and they hold what the reference's output holds.
     */
    @Test
    default void attentionOutputIsLaidOutByQuery() {
        Tensor q = Generators.tensor(1, DType.F32, 2, 3, 5, 8);
        Tensor k = Generators.tensor(2, DType.F32, 2, 3, 7, 8);
        Tensor v = Generators.tensor(3, DType.F32, 2, 3, 7, 4);
        AttentionOptions options = AttentionOptions.defaults();
        check("attention's heads joined per query", Comparison.RELATIVE_L2,
                t -> joinedByQuery(Ops.scaledDotProductAttention(t[0], t[1], t[2], options)), q, k, v);
        check("attention with log-sum-exps, heads joined per query", Comparison.RELATIVE_L2,
                t -> joinedByQuery(Ops.scaledDotProductAttentionWithLogSumExp(t[0], t[1], t[2], options).out()), q, k, v);
    }

    /** out (2, 3, 5, 4) as (2, 5, 12), after checking that it lies as (B, Lq, Hq, Dv), which makes that a view. */
    private static Tensor joinedByQuery(Tensor out) {
        long[] byQuery = {60, 4, 12, 1};
        if (!Arrays.equals(out.strides(), byQuery)) {
            throw new AssertionError("attention's output " + out.shape() + " on " + out.device() + " has strides "
                    + Arrays.toString(out.strides()) + ", not (B, Lq, Hq, Dv)'s " + Arrays.toString(byQuery));
        }
        return out.transpose(1, 2).reshape(2, 5, 12);
    }

    /**
     * Scores in the thousands (scale 3000), where exp overflows F32 unless each query's scores are shifted by
     * their maximum over every key it sees, the last keys of a ragged block included; the softmax is
     * otherwise the same whatever the shift, so only such scores show a maximum that missed a key.
     */
    @Test
    default void attentionWithScoresInTheThousands() {
        long seed = 950;
        for (long lq : new long[] {3, 40}) {
            for (long lk : new long[] {37, 130, 450}) {
                Tensor q = tensor(seed++, DType.F32, PLAIN, CONTIGUOUS, 1, 2, lq, 16);
                Tensor k = tensor(seed++, DType.F32, PLAIN, CONTIGUOUS, 1, 2, lk, 16);
                Tensor v = tensor(seed++, DType.F32, PLAIN, CONTIGUOUS, 1, 2, lk, 8);
                for (boolean causal : new boolean[] {false, true}) {
                    AttentionOptions options = AttentionOptions.defaults().scale(3000).causal(causal);
                    check("attention with scores in the thousands, Lq " + lq + ", Lk " + lk + (causal ? ", causal" : ""),
                            Comparison.RELATIVE_L2, t -> Ops.scaledDotProductAttention(t[0], t[1], t[2], options), q, k, v);
                }
            }
        }
    }

    @Test
    default void attentionRowWithNoVisibleKeyIsNaN() {
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
    default void keysAQueryDoesNotSeeContributeNothingEvenWithNaNValues(DType dtype) {
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
}
