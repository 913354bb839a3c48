package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The positions of the k largest (or smallest) elements along {@code axis}, in order: out (I64) has
 * x's shape with {@code axis} of size k, and {@code out[..., j, ...]} is the position of the j-th
 * element in the order. The order is total and stable: NaN above +Inf, -0 equal to +0, and equal
 * values by position, lowest first, whether largest or smallest come first. With k = x.dim(axis)
 * it is argsort.
 *
 * @param x       the input
 * @param axis    the axis ordered along
 * @param k       how many positions
 * @param largest largest first, rather than smallest
 * @param out     the positions, I64
 */
public record TopK(Operand x, int axis, int k, boolean largest, Operand out) implements Op {
    @Override
    public String name() {
        return "topk";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(x);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new TopK(f.apply(x), axis, k, largest, f.apply(out));
    }
}
