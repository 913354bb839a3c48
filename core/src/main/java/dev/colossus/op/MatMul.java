package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[..., m, n] = act(alpha * sum_k a[..., m, k] * b[..., k, n] + beta * c[..., m, n])};
 * {@code (..., M, K) x (..., K, N) -> (..., M, N)}.
 *
 * <p>The batch dimensions {@code ...} are equal in all operands ({@code a}, {@code b} and {@code c}
 * are broadcast views); they share a floating dtype, which {@code out} has too. Rank is at least 2.
 * Sums accumulate in at least F32. The epilogue ({@code alpha}, {@code beta}, {@code c}) is what
 * {@code linear}'s bias and {@code addmm} need; as in BLAS, {@code c} is not read when {@code beta}
 * is 0, so it may then hold anything, NaN included. The activation {@code act} (a layer's GELU or
 * SiLU, say) is applied before the result is rounded to {@code out}'s dtype.
 *
 * @param a     the left factor, (..., M, K)
 * @param b     the right factor, (..., K, N)
 * @param alpha the product's scale
 * @param beta  c's scale
 * @param out   the result, (..., M, N)
 * @param c          the addend, or {@code null} for none
 * @param activation the function applied last, or {@code null} for none
 */
public record MatMul(Operand a, Operand b, Operand c, double alpha, double beta, UnaryFn activation, Operand out)
        implements Op {

    /**
     * The plain product: {@code alpha = 1}, no addend, no activation.
     *
     * @param a the left factor
     * @param b the right factor
     * @param out the product
     */
    public MatMul(Operand a, Operand b, Operand out) {
        this(a, b, null, 1, 0, null, out);
    }

    /**
     * True when the op is more than the plain product.
     *
     * @return true when alpha is not 1, c is read, or an activation is set
     */
    public boolean hasEpilogue() {
        return alpha != 1 || addend() != null || activation != null;
    }

    /**
     * {@code c}, or {@code null} when it is absent or multiplied by 0.
     *
     * @return c where it is read, else {@code null}
     */
    public Operand addend() {
        return beta == 0 ? null : c;
    }

    @Override
    public String name() {
        String product = addend() != null ? "addmm" : "matmul";
        return activation == null ? product : product + "+" + activation.apiName();
    }

    @Override
    public List<Operand> inputs() {
        List<Operand> in = new ArrayList<>(List.of(a, b));
        if (c != null) {
            in.add(c);
        }
        return in;
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new MatMul(f.apply(a), f.apply(b), c == null ? null : f.apply(c), alpha, beta, activation, f.apply(out));
    }
}
