package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[i] = cast(start + i * step)} for the 1-D {@code out}, computed in double.
 *
 * @param out where the result goes, 1-D
 * @param start the first value
 * @param step the difference between neighbours
 */
public record Arange(Operand out, double start, double step) implements Op {
    @Override
    public String name() {
        return "arange";
    }

    @Override
    public List<Operand> inputs() {
        return List.of();
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Arange(f.apply(out), start, step);
    }
}
