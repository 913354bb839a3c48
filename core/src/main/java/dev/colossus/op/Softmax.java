package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Along {@code axis}: {@code out[i] = exp(x[i] - max) / sum_j exp(x[j] - max)}, or with {@code log},
 * {@code out[i] = x[i] - max - log(sum_j exp(x[j] - max))}. A slice whose every element is -Inf
 * gives NaN, as the formula does.
 *
 * @param x    the input
 * @param axis the axis normalised along
 * @param log  log-softmax rather than softmax
 * @param out where the result goes
 */
public record Softmax(Operand x, int axis, boolean log, Operand out) implements Op {
    @Override
    public String name() {
        return log ? "logSoftmax" : "softmax";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(x);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Softmax(f.apply(x), axis, log, f.apply(out));
    }
}
