package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Over the last {@code normalizedAxes} axes (one group of {@code n} elements per leading index):
 * {@code out = x / sqrt(sum x^2 / n + eps) * weight}.
 *
 * @param x              the input
 * @param normalizedAxes how many trailing axes one norm covers
 * @param eps            added to the mean square
 * @param out where the result goes
 * @param weight the trailing shape, or {@code null} for 1
 */
public record RmsNorm(Operand x, Operand weight, int normalizedAxes, double eps, Operand out) implements Op {
    @Override
    public String name() {
        return "rmsNorm";
    }

    @Override
    public List<Operand> inputs() {
        return weight == null ? List.of(x) : List.of(x, weight);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new RmsNorm(f.apply(x), weight == null ? null : f.apply(weight), normalizedAxes, eps, f.apply(out));
    }
}
