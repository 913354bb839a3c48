package dev.colossus.reference;

import dev.colossus.Shape;
import dev.colossus.op.Reduce;
import dev.colossus.op.ReduceFn;
import dev.colossus.spi.Operand;

/**
 * Reductions: for each output index, a walk over the reduced axes, accumulating in double (floating
 * types) or long (integer types).
 */
final class ReferenceReduce {
    private ReferenceReduce() {
    }

    static void reduce(Reduce op) {
        Operand x = op.x();
        Operand out = op.out();
        long[] reducedDims = new long[op.axes().length];
        long[] reducedStrides = new long[op.axes().length];
        for (int i = 0; i < op.axes().length; i++) {
            reducedDims[i] = x.dim(op.axes()[i]);
            reducedStrides[i] = x.strides()[op.axes()[i]];
        }
        Shape reduced = Shape.of(reducedDims);
        // x viewed at each output index: the reduced axes pinned to 0
        Operand base = x.withLayout(out.shape(), x.strides(), x.offset());
        boolean floating = x.dtype().isFloatingPoint();
        for (Odometer o = new Odometer(out.shape()); o.valid(); o.next()) {
            long start = o.offset(base);
            Operand slice = x.withLayout(reduced, reducedStrides, start);
            if (floating) {
                Elements.set(out, o.offset(out), reduceDouble(op.fn(), slice, op.correction()));
            } else {
                Elements.setLong(out, o.offset(out), reduceLong(op.fn(), slice));
            }
        }
    }

    private static double reduceDouble(ReduceFn fn, Operand slice, int correction) {
        long n = slice.numel();
        switch (fn) {
            case SUM, MEAN -> {
                double sum = 0;
                for (Odometer i = new Odometer(slice.shape()); i.valid(); i.next()) {
                    sum += Elements.get(slice, i.offset(slice));
                }
                return fn == ReduceFn.SUM ? sum : sum / n;
            }
            case MAX, MIN -> {
                double best = fn == ReduceFn.MAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                for (Odometer i = new Odometer(slice.shape()); i.valid(); i.next()) {
                    double v = Elements.get(slice, i.offset(slice));
                    best = fn == ReduceFn.MAX ? Math.max(best, v) : Math.min(best, v);
                }
                return best;
            }
            case ARGMAX -> {
                double best = Double.NEGATIVE_INFINITY;
                long bestIndex = 0;
                long index = 0;
                for (Odometer i = new Odometer(slice.shape()); i.valid(); i.next(), index++) {
                    double v = Elements.get(slice, i.offset(slice));
                    if (Double.isNaN(v)) {
                        return index;
                    }
                    if (v > best) {
                        best = v;
                        bestIndex = index;
                    }
                }
                return bestIndex;
            }
            case VAR -> {
                double mean = reduceDouble(ReduceFn.MEAN, slice, 0);
                double squares = 0;
                for (Odometer i = new Odometer(slice.shape()); i.valid(); i.next()) {
                    double d = Elements.get(slice, i.offset(slice)) - mean;
                    squares += d * d;
                }
                return squares / Math.max(0, n - correction);
            }
        }
        throw new AssertionError(fn);
    }

    private static long reduceLong(ReduceFn fn, Operand slice) {
        long result = switch (fn) {
            case SUM -> 0;
            case MAX -> Long.MIN_VALUE;
            case MIN -> Long.MAX_VALUE;
            case ARGMAX -> -1;
            case MEAN, VAR -> throw new IllegalArgumentException(fn.apiName() + " is not defined on integers");
        };
        long best = Long.MIN_VALUE;
        long index = 0;
        for (Odometer i = new Odometer(slice.shape()); i.valid(); i.next(), index++) {
            long v = Elements.getLong(slice, i.offset(slice));
            switch (fn) {
                case SUM -> result += v;
                case MAX -> result = Math.max(result, v);
                case MIN -> result = Math.min(result, v);
                default -> {
                    if (result < 0 || v > best) {
                        best = v;
                        result = index;
                    }
                }
            }
        }
        return result;
    }
}
