package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[i] = x[i with i_axis replaced by index[i]]} for every index {@code i} of out's shape, as
 * {@code torch.gather}: x (d_0, ..., d_{r-1}), index and out of one shape of the same rank, which
 * agrees with x's except along {@code axis}. {@code index} is I32 or I64, each value in {@code [0,
 * x.dim(axis))} (checked before the op is built), and may be broadcast: {@code indexSelect} is a gather whose index
 * varies along {@code axis} alone (stride 0 elsewhere), so a backend can copy whole rows for it.
 *
 * @param x     the values read
 * @param axis  the axis the index picks along
 * @param index the positions, I32 or I64
 * @param out where the result goes
 */
public record Gather(Operand x, int axis, Operand index, Operand out) implements Op {
    @Override
    public String name() {
        return "gather";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(x, index);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Gather(f.apply(x), axis, f.apply(index), f.apply(out));
    }

    /**
     * Whether {@code index} varies along {@code axis} alone, as {@code indexSelect}'s does: then
     * {@code out}'s slab at position j along {@code axis} is x's slab at {@code index[j]}.
     *
     * @return true when the index varies along {@code axis} alone (an {@code indexSelect})
     */
    public boolean selectsSlabs() {
        for (int d = 0; d < index.rank(); d++) {
            if (d != axis && index.strides()[d] != 0 && index.dim(d) != 1) {
                return false;
            }
        }
        return true;
    }
}
