package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[i] = cast(value)} for every index {@code i}.
 *
 * @param out   the elements written
 * @param value their value, before the cast
 */
public record Fill(Operand out, double value) implements Op {
    @Override
    public String name() {
        return "full";
    }

    @Override
    public List<Operand> inputs() {
        return List.of();
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Fill(f.apply(out), value);
    }
}
