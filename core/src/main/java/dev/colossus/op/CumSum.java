package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[..., j, ...] = sum_{t <= j} x[..., t, ...]} along {@code axis}: same shape; floating x gives
 * its own dtype (the reference sums in double, in order), integer and BOOL x give I64.
 *
 * @param x    the input
 * @param axis the axis summed along
 * @param out where the result goes
 */
public record CumSum(Operand x, int axis, Operand out) implements Op {
    @Override
    public String name() {
        return "cumsum";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(x);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new CumSum(f.apply(x), axis, f.apply(out));
    }
}
