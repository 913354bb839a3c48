package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[i] = condition[i] ? a[i] : b[i]}: a BOOL condition; all three broadcast to {@code out}'s shape.
 *
 * @param condition which to take, BOOL
 * @param a         the values where it holds
 * @param b         the values where it does not
 * @param out where the result goes
 */
public record Where(Operand condition, Operand a, Operand b, Operand out) implements Op {
    @Override
    public String name() {
        return "where";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(condition, a, b);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Where(f.apply(condition), f.apply(a), f.apply(b), f.apply(out));
    }
}
