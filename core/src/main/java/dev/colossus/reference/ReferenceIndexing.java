package dev.colossus.reference;

import dev.colossus.op.Gather;
import dev.colossus.op.Scatter;
import dev.colossus.spi.Operand;

/** Gathers and scatters, one element at a time through {@link Elements}. */
final class ReferenceIndexing {
    private ReferenceIndexing() {
    }

    /** {@code out[i] = x[i with i_axis = index[i]]} */
    static void gather(Gather op) {
        Operand x = op.x(), index = op.index(), out = op.out();
        long axisStride = x.strides()[op.axis()];
        for (Odometer i = new Odometer(out.shape()); i.valid(); i.next()) {
            long at = i.offset(x) + (Elements.getLong(index, i.offset(index)) - i.at(op.axis())) * axisStride;
            copyElement(x, at, out, i.offset(out));
        }
    }

    /** {@code out[i with i_axis = index[i]] = src[i]}, or {@code +=} when accumulating, in the order of i. */
    static void scatter(Scatter op) {
        Operand src = op.src(), index = op.index(), out = op.out();
        long axisStride = out.strides()[op.axis()];
        boolean floating = out.dtype().isFloatingPoint();
        for (Odometer i = new Odometer(src.shape()); i.valid(); i.next()) {
            long at = i.offset(out) + (Elements.getLong(index, i.offset(index)) - i.at(op.axis())) * axisStride;
            if (!op.accumulate()) {
                copyElement(src, i.offset(src), out, at);
            } else if (floating) {
                Elements.set(out, at, Elements.get(out, at) + Elements.get(src, i.offset(src)));
            } else {
                Elements.setLong(out, at, Elements.getLong(out, at) + Elements.getLong(src, i.offset(src)));
            }
        }
    }

    private static void copyElement(Operand from, long at, Operand to, long toAt) {
        if (from.dtype().isFloatingPoint()) {
            Elements.set(to, toAt, Elements.get(from, at));
        } else {
            Elements.setLong(to, toAt, Elements.getLong(from, at));
        }
    }
}
