package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[i] = cast(src[i])} for every index {@code i} of the common shape. Casts round to nearest
 * even into floating types and truncate toward zero into integer types, as {@code (int) (long) x}
 * does in Java and {@code (int) (long long) x} on a GPU: NaN becomes 0, values past I64's range
 * saturate, and I32, I16, I8 and U8 keep the low bits of the I64 value (3e9 becomes -1294967296 in
 * I32, 300 becomes 44 in U8 and I8). Into F8E4M3 and F8E5M2 they saturate, as PTX's {@code
 * cvt.rn.satfinite} does: past the largest finite value (448, 57344), infinities included, to it
 * (see {@link dev.colossus.reference.Float8}). Any non-zero becomes {@code true} in BOOL. {@code out} may be strided but does not overlap {@code src}.
 *
 * @param src the values
 * @param out where they go, in its own dtype
 */
public record Copy(Operand src, Operand out) implements Op {
    @Override
    public String name() {
        return src.dtype() == out.dtype() ? "copy" : "cast";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(src);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Copy(f.apply(src), f.apply(out));
    }
}
