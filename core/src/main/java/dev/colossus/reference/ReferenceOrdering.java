package dev.colossus.reference;

import dev.colossus.op.TopK;
import dev.colossus.spi.Operand;
import java.util.Arrays;
import java.util.Comparator;

/** {@link TopK}: each line along the axis sorted whole, stably, and its first k positions kept. */
final class ReferenceOrdering {
    private ReferenceOrdering() {
    }

    static void topk(TopK op) {
        Operand x = op.x(), out = op.out();
        int axis = op.axis();
        long n = x.dim(axis);
        boolean floating = x.dtype().isFloatingPoint();
        for (Odometer i = new Odometer(x.shape().with(axis, n == 0 ? 0 : 1)); i.valid(); i.next()) {
            long from = i.offset(x), stride = x.strides()[axis];
            Long[] positions = new Long[(int) n];
            double[] values = new double[(int) n];
            long[] integers = new long[(int) n];
            for (int j = 0; j < n; j++) {
                positions[j] = (long) j;
                values[j] = floating ? Elements.get(x, from + j * stride) : 0;
                integers[j] = floating ? 0 : Elements.getLong(x, from + j * stride);
            }
            Comparator<Long> ascending = floating
                    ? (p, q) -> compare(values[(int) (long) p], values[(int) (long) q])
                    : (p, q) -> Long.compare(integers[(int) (long) p], integers[(int) (long) q]);
            // Arrays.sort on objects is stable: equal values keep their positions' order in either direction.
            Arrays.sort(positions, op.largest() ? ascending.reversed() : ascending);
            long to = i.offset(out);
            for (int j = 0; j < op.k(); j++) {
                Elements.setLong(out, to + j * out.strides()[axis], positions[j]);
            }
        }
    }

    /** The total order of {@link TopK}: NaN above everything, -0 equal to +0. */
    static int compare(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Boolean.compare(Double.isNaN(a), Double.isNaN(b));
        }
        return a < b ? -1 : a > b ? 1 : 0;
    }
}
