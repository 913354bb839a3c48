package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[i] = fn(a[i], b[i])}: {@code a} and {@code b} have one dtype and are broadcast views of
 * {@code out}'s shape; {@code out} has their dtype, or BOOL for comparisons.
 *
 * @param fn  the function
 * @param a   the first operand
 * @param b   the second
 * @param out where the result goes
 */
public record Binary(BinaryFn fn, Operand a, Operand b, Operand out) implements Op {
    @Override
    public String name() {
        return fn.apiName();
    }

    @Override
    public List<Operand> inputs() {
        return List.of(a, b);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Binary(fn, f.apply(a), f.apply(b), f.apply(out));
    }
}
