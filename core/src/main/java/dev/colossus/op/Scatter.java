package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[i with i_axis replaced by index[i]] (+)= src[i]} for every index {@code i} of src's shape,
 * in place: {@code out} is the destination, read and written (any view), src and index have one
 * shape of out's rank, agreeing with out's except along {@code axis}. With {@code accumulate}
 * ({@code scatterAdd}) elements that several indices send to one place all add up, in the order of
 * i on the reference; without it ({@code indexCopy}) no two indices name one place (checked before the
 * op is built). {@code index} is I32 or I64, each value in {@code [0, out.dim(axis))}; src does not
 * overlap out.
 *
 * @param src        the values sent
 * @param axis       the axis the index picks along
 * @param index      the positions, I32 or I64
 * @param accumulate add to out rather than overwrite
 * @param out        the destination
 */
public record Scatter(Operand src, int axis, Operand index, boolean accumulate, Operand out) implements Op {
    @Override
    public String name() {
        return accumulate ? "scatterAdd" : "indexCopy";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(src, index);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Scatter(f.apply(src), axis, f.apply(index), accumulate, f.apply(out));
    }
}
