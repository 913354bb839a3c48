package dev.colossus;

/**
 * What {@link Ops#scaledDotProductAttentionWithLogSumExp} returns: {@code out}, the attention (B, Hq,
 * Lq, Dv), and {@code logSumExp}, each query row's log-sum-exp of its scores (B, Hq, Lq). Two handles;
 * closing this closes both.
 *
 * @param out       the attention, (B, Hq, Lq, Dv), in q's dtype
 * @param logSumExp the rows' log-sum-exps, (B, Hq, Lq), F32 (F64 for F64 inputs)
 */
public record AttentionResult(Tensor out, Tensor logSumExp) implements AutoCloseable {
    @Override
    public void close() {
        try {
            out.close();
        } finally {
            logSumExp.close();
        }
    }
}
