package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code out[j] = fn over i of x[i]}, for the indices {@code i} of {@code x} that agree with {@code j}
 * outside {@code axes}. {@code out} keeps {@code x}'s rank with size 1 along {@code axes} (the
 * "keepdim" shape). Sums of integers and BOOL give I64, ARGMAX gives I64, the rest keep the dtype.
 *
 * @param fn  the reduction
 * @param x   the input
 * @param out the result, x's rank with size 1 along axes
 * @param axes       the reduced axes of {@code x}, ascending, without repeats
 * @param correction for {@link ReduceFn#VAR}: the divisor is {@code n - correction}
 */
public record Reduce(ReduceFn fn, Operand x, int[] axes, int correction, Operand out) implements Op {
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
        return new Reduce(fn, f.apply(x), axes, correction, f.apply(out));
    }

    @Override
    public String toString() {
        return "Reduce[" + fn + " " + x.describe() + " axes " + Arrays.toString(axes) + "]";
    }
}
