package dev.colossus;

/**
 * Options of {@link Ops#scaledDotProductAttention}.
 *
 * @param causal whether query {@code i} sees only keys {@code j <= i + (Lk - Lq)} (bottom-right aligned)
 * @param mask   {@code null}, or a tensor broadcastable to (B, Hq, Lq, Lk): BOOL (true = attend) or
 *               additive, in q's dtype
 * @param scale  the factor applied to {@code q . k}; NaN means the default {@code 1 / sqrt(D)}
 */
public record AttentionOptions(boolean causal, Tensor mask, double scale) {
    private static final AttentionOptions DEFAULTS = new AttentionOptions(false, null, Double.NaN);

    /**
     * Not causal, no mask, scale {@code 1 / sqrt(D)}.
     *
     * @return the default options
     */
    public static AttentionOptions defaults() {
        return DEFAULTS;
    }

    /**
     * These options with {@code causal} set.
     *
     * @param value whether the attention is causal
     * @return new options
     */
    public AttentionOptions causal(boolean value) {
        return new AttentionOptions(value, mask, scale);
    }

    /**
     * These options with {@code mask} set.
     *
     * @param value the mask, or {@code null} for none
     * @return new options
     */
    public AttentionOptions mask(Tensor value) {
        return new AttentionOptions(causal, value, scale);
    }

    /**
     * These options with {@code scale} set.
     *
     * @param value the scale; NaN for {@code 1 / sqrt(D)}
     * @return new options
     */
    public AttentionOptions scale(double value) {
        return new AttentionOptions(causal, mask, value);
    }
}
