package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The parts end to end along {@code axis}: {@code out[.., start_p + i, ..] = parts[p][.., i, ..]},
 * where {@code start_p} is the sum of the sizes along axis of the parts before p. The parts have out's
 * dtype and its sizes outside axis; a stack is the concatenation of its parts each with a dimension of
 * 1 inserted at axis. A composite: {@link #copies} is what it amounts to, one {@link Copy} a part, which a
 * backend may run together.
 *
 * @param parts the inputs, in order
 * @param axis  the dimension they are joined along
 * @param out   the result
 */
public record Concat(List<Operand> parts, int axis, Operand out) implements Op {
    /**
     * The parts copied into an unmodifiable list.
     *
     * @param parts the inputs, in order
     * @param axis  the dimension they are joined along
     * @param out   the result
     */
    public Concat {
        parts = List.copyOf(parts);
    }

    @Override
    public String name() {
        return "cat";
    }

    @Override
    public List<Operand> inputs() {
        return parts;
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Concat(parts.stream().map(f).toList(), axis, f.apply(out));
    }

    /**
     * Each part copied into its slice of out, {@code out[.., start_p : start_p + parts[p].dim(axis), ..]}.
     *
     * @return one copy a part, in order
     */
    public List<Copy> copies() {
        List<Copy> copies = new ArrayList<>(parts.size());
        long start = 0;
        for (Operand part : parts) {
            long end = start + part.dim(axis);
            copies.add(new Copy(part, out.slice(axis, start, end, 1)));
            start = end;
        }
        return copies;
    }
}
