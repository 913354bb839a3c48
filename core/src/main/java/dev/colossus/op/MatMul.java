package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[..., m, n] = sum_k a[..., m, k] * b[..., k, n]}; {@code (..., M, K) x (..., K, N) -> (..., M, N)}.
 *
 * <p>The batch dimensions {@code ...} are equal in all three operands ({@code a} and {@code b} are
 * broadcast views); {@code a} and {@code b} share a floating dtype, which {@code out} has too. Rank is
 * at least 2. Sums accumulate in at least F32.
 */
public record MatMul(Operand a, Operand b, Operand out) implements Op {
    @Override
    public String name() {
        return "matmul";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(a, b);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new MatMul(f.apply(a), f.apply(b), f.apply(out));
    }
}
