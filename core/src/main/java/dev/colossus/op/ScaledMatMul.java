package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[..., m, n] = scaleA * scaleB * sum_k a[..., m, k] * b[..., k, n]}; {@code (..., M, K) x
 * (..., K, N) -> (..., M, N)}: the 8-bit float product of Transformer Engine and {@code
 * torch._scaled_mm}, its factors dequantised by per-tensor scales.
 *
 * <p>a and b are F8E4M3 or F8E5M2 (each its own), broadcast to the batch dimensions {@code ...} as
 * {@link MatMul}'s are; the scales are F32 scalars (rank 0); out is F32, BF16 or F16. Sums accumulate
 * in at least F32, and the result is rounded to out's dtype once.
 *
 * @param a      the left factor, (..., M, K)
 * @param b      the right factor, (..., K, N)
 * @param scaleA a's scale, ()
 * @param scaleB b's scale, ()
 * @param out    the result, (..., M, N)
 */
public record ScaledMatMul(Operand a, Operand b, Operand scaleA, Operand scaleB, Operand out) implements Op {
    @Override
    public String name() {
        return "scaledMatmul";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(a, b, scaleA, scaleB);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new ScaledMatMul(f.apply(a), f.apply(b), f.apply(scaleA), f.apply(scaleB), f.apply(out));
    }
}
