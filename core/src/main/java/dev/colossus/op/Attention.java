package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Scaled dot-product attention, per batch {@code b} and query head {@code h}, with key/value head
 * {@code g = h / (Hq / Hkv)}:
 * <pre>
 *   s[i, j]   = scale * sum_d q[b, h, i, d] * k[b, g, j, d]      (+ mask[b, h, i, j] if additive)
 *   s[i, j]   = -Inf  where the boolean mask is false, or (causal) where j > i + (Lk - Lq)
 *   p[i, j]   = softmax_j(s[i, :])
 *   out[b, h, i, e] = sum over j with p[i, j] != 0 of p[i, j] * v[b, g, j, e]
 * </pre>
 * A key a query does not see (masked, causal, or scored -Inf) has weight 0 and contributes nothing:
 * its values are not read, so NaN in them (an unused slot of a KV cache) does not reach the output,
 * where {@code 0 * NaN} would. The fused CPU kernels take keys whose F32 weight underflows to 0 as
 * unseen too. (A composed path, {@code softmax(s) @ v} as matmuls, and the CUDA fused kernels do not
 * yet: there NaN in an unseen value row reaches the rows that share its tile.)
 * and, where asked for, each query row's log-sum-exp, the softmax's normaliser in log space (what a
 * backward pass, or a merge of attention over separate blocks of keys, needs):
 * <pre>
 *   logSumExp[b, h, i] = log sum_j exp(s[i, j])
 * </pre>
 * Shapes: q (B, Hq, Lq, D), k (B, Hkv, Lk, D), v (B, Hkv, Lk, Dv), out (B, Hq, Lq, Dv), logSumExp
 * (B, Hq, Lq). Causal alignment is bottom-right, as in PyTorch: the last query sees every key. A query
 * row with no visible key gives NaN, as softmax does, and a log-sum-exp of -Inf (the log of an empty sum).
 *
 * @param q      the queries, (B, Hq, Lq, D)
 * @param k      the keys, (B, Hkv, Lk, D)
 * @param v      the values, (B, Hkv, Lk, Dv)
 * @param causal whether query i sees only keys {@code j <= i + (Lk - Lq)}
 * @param scale  the factor on {@code q . k}
 * @param out    the attention, (B, Hq, Lq, Dv)
 * @param mask      {@code null}, or a view broadcast to (B, Hq, Lq, Lk): BOOL (true = attend) or additive
 *                  in q's dtype
 * @param logSumExp {@code null}, or where the log-sum-exps go: F64 for F64 inputs, else F32
 */
public record Attention(Operand q, Operand k, Operand v, Operand mask, boolean causal, double scale, Operand out,
        Operand logSumExp) implements Op {
    @Override
    public String name() {
        return "scaledDotProductAttention";
    }

    @Override
    public List<Operand> inputs() {
        List<Operand> in = new ArrayList<>(List.of(q, k, v));
        if (mask != null) {
            in.add(mask);
        }
        return in;
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Attention(f.apply(q), f.apply(k), f.apply(v), mask == null ? null : f.apply(mask),
                causal, scale, f.apply(out), logSumExp == null ? null : f.apply(logSumExp));
    }

    /**
     * Query heads per key/value head: {@code Hq / Hkv}.
     *
     * @return the group size
     */
    public long groupSize() {
        return q.dim(1) / k.dim(1);
    }
}
