package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The residual add of a transformer block and the RMS norm after it, one op with two results stacked
 * along a new leading axis of 2: {@code out[0] = h = x + residual}, and over the last
 * {@code normalizedAxes} axes (one group of {@code n} elements per leading index)
 * {@code out[1] = h / sqrt(sum h^2 / n + eps) * weight}. x, residual and each result have one shape;
 * out is (2, that shape). A backend that fuses it reads x and the residual once and writes both
 * results once; {@link Decompositions} runs it as an add and an {@link RmsNorm}.
 *
 * @param x              the block's output
 * @param residual       the residual stream, x's shape and dtype
 * @param normalizedAxes how many trailing axes one norm covers
 * @param eps            added to the mean square
 * @param out            (2, x's shape): the sum, then its norm
 * @param weight the trailing shape, or {@code null} for 1
 */
public record AddRmsNorm(Operand x, Operand residual, Operand weight, int normalizedAxes, double eps, Operand out)
        implements Op {
    @Override
    public String name() {
        return "addRmsNorm";
    }

    @Override
    public List<Operand> inputs() {
        return weight == null ? List.of(x, residual) : List.of(x, residual, weight);
    }

    /**
     * {@code out[0]}: the sum {@code x + residual}.
     *
     * @return a view of out
     */
    public Operand sum() {
        return out.slice(0, 0, 1, 1).squeeze(0);
    }

    /**
     * {@code out[1]}: the sum normalized.
     *
     * @return a view of out
     */
    public Operand normalized() {
        return out.slice(0, 1, 2, 1).squeeze(0);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new AddRmsNorm(f.apply(x), f.apply(residual), weight == null ? null : f.apply(weight), normalizedAxes, eps,
                f.apply(out));
    }
}
