package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[..., m, n] = alpha * sum_k a[..., m, k] * b[..., k, n] + beta * c[..., m, n]};
 * {@code (..., M, K) x (..., K, N) -> (..., M, N)}.
 *
 * <p>The batch dimensions {@code ...} are equal in all operands ({@code a}, {@code b} and {@code c}
 * are broadcast views); they share a floating dtype, which {@code out} has too. Rank is at least 2.
 * Sums accumulate in at least F32. The epilogue ({@code alpha}, {@code beta}, {@code c}) is what
 * {@code linear}'s bias and {@code addmm} need; as in BLAS, {@code c} is not read when {@code beta}
 * is 0, so it may then hold anything, NaN included.
 *
 * @param c the addend, or {@code null} for none
 */
public record MatMul(Operand a, Operand b, Operand c, double alpha, double beta, Operand out) implements Op {

    /** The plain product: {@code alpha = 1}, no addend. */
    public MatMul(Operand a, Operand b, Operand out) {
        this(a, b, null, 1, 0, out);
    }

    /** True when the op is more than the plain product. */
    public boolean hasEpilogue() {
        return alpha != 1 || addend() != null;
    }

    /** {@code c}, or {@code null} when it is absent or multiplied by 0. */
    public Operand addend() {
        return beta == 0 ? null : c;
    }

    @Override
    public String name() {
        return addend() != null ? "addmm" : "matmul";
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
        return new MatMul(f.apply(a), f.apply(b), c == null ? null : f.apply(c), alpha, beta, f.apply(out));
    }
}
