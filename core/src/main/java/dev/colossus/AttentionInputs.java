package dev.colossus;

import dev.colossus.op.Attention;
import dev.colossus.spi.Operand;

/** Attention's validated operands: q, k and v, the mask broadcast to (B, Hq, Lq, Lk) or null, and the scale. */
record AttentionInputs(Device device, Operand q, Operand k, Operand v, Operand mask, boolean causal, double scale) {
    static final String ATTENTION = "scaledDotProductAttention";

    /**
     * The output's memory, (B, Lq, Hq, Dv): each query's heads side by side, so that the (B, Hq, Lq, Dv)
     * result transposed back and reshaped to (B, Lq, Hq Dv), as a model feeds it to its output
     * projection, is a view rather than a copy.
     */
    Shape outShapeByQuery() {
        return Shape.of(q.dim(0), q.dim(2), q.dim(1), v.dim(3));
    }

    Attention op(Operand out, Operand logSumExp) {
        return new Attention(q, k, v, mask, causal, scale, out, logSumExp);
    }

    /** Checks q, k, v and the options as {@link Ops#scaledDotProductAttention} documents them. */
    static AttentionInputs of(Tensor q, Tensor k, Tensor v, AttentionOptions options) {
        String op = ATTENTION;
        Operand query = OpChecks.open(op, q);
        Operand key = OpChecks.open(op, k);
        Operand value = OpChecks.open(op, v);
        Device device = OpChecks.sameDevice(op, query, key, value);
        DType dtype = OpChecks.sameDType(op, query, key);
        OpChecks.sameDType(op, query, value);
        OpChecks.requireFloating(op, query);
        for (Operand o : new Operand[] {query, key, value}) {
            if (o.rank() != 4) {
                throw new IllegalArgumentException(op + ": q " + query.shape() + ", k " + key.shape() + ", v "
                        + value.shape() + ": each must be 4-D, (B, H, L, D)");
            }
        }
        String shapes = op + ": q " + query.shape() + ", k " + key.shape() + ", v " + value.shape() + ": ";
        if (query.dim(0) != key.dim(0) || key.dim(0) != value.dim(0)) {
            throw new IllegalArgumentException(shapes + "batch sizes differ");
        }
        if (query.dim(3) != key.dim(3)) {
            throw new IllegalArgumentException(shapes + "q and k head dims " + query.dim(3) + " and " + key.dim(3) + " differ");
        }
        if (key.dim(1) != value.dim(1) || key.dim(2) != value.dim(2)) {
            throw new IllegalArgumentException(shapes + "k and v differ in heads or length");
        }
        long hq = query.dim(1), hkv = key.dim(1);
        if (hkv == 0 || hq % hkv != 0) {
            throw new IllegalArgumentException(shapes + "query heads " + hq + " are not a multiple of key/value heads " + hkv);
        }
        Shape scores = Shape.of(query.dim(0), hq, query.dim(2), key.dim(2));
        Operand mask = null;
        if (options.mask() != null) {
            Operand m = OpChecks.open(op, options.mask());
            OpChecks.sameDevice(op, query, m);
            if (m.dtype() != DType.BOOL && m.dtype() != dtype) {
                throw new IllegalArgumentException(op + ": mask " + m.describe() + " must be BOOL or " + dtype + " like q");
            }
            if (!m.shape().broadcastsTo(scores)) {
                throw new IllegalArgumentException(op + ": mask " + m.shape() + " does not broadcast to (B, Hq, Lq, Lk) = " + scores);
            }
            mask = m.broadcastTo(scores);
        }
        double scale = Double.isNaN(options.scale()) ? 1 / Math.sqrt(query.dim(3)) : options.scale();
        return new AttentionInputs(device, query, key, value, mask, options.causal(), scale);
    }
}
