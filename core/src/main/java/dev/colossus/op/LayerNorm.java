package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Over the last {@code normalizedAxes} axes (one group of {@code n} elements per leading index):
 * {@code out = (x - mean) / sqrt(var + eps) * weight + bias}, with the biased variance
 * {@code var = sum (x - mean)^2 / n}.
 *
 * @param x              the input
 * @param normalizedAxes how many trailing axes one norm covers
 * @param eps            added to the variance
 * @param out where the result goes
 * @param weight the trailing shape, or {@code null} for 1
 * @param bias   the trailing shape, or {@code null} for 0
 */
public record LayerNorm(Operand x, Operand weight, Operand bias, int normalizedAxes, double eps, Operand out)
        implements Op {
    @Override
    public String name() {
        return "layerNorm";
    }

    @Override
    public List<Operand> inputs() {
        List<Operand> in = new ArrayList<>(List.of(x));
        if (weight != null) {
            in.add(weight);
        }
        if (bias != null) {
            in.add(bias);
        }
        return in;
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new LayerNorm(f.apply(x), weight == null ? null : f.apply(weight),
                bias == null ? null : f.apply(bias), normalizedAxes, eps, f.apply(out));
    }
}
