package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[i] = fn(x[i])}; same shape and dtype.
 *
 * @param fn  the function
 * @param x   the input
 * @param out where the result goes
 */
public record Unary(UnaryFn fn, Operand x, Operand out) implements Op {
    @Override
    public String name() {
        return fn.apiName();
    }

    @Override
    public List<Operand> inputs() {
        return List.of(x);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Unary(fn, f.apply(x), f.apply(out));
    }
}
