package dev.colossus.reference;

import dev.colossus.Shape;
import dev.colossus.op.CumSum;
import dev.colossus.op.Rotary;
import dev.colossus.spi.Operand;

/** Ops along one dimension's positions: running sums and rotary embeddings. */
final class ReferencePositions {
    private ReferencePositions() {
    }

    /** {@code out[.., j, ..] = sum_{t <= j} x[.., t, ..]}, summed in double (long for integers), in order. */
    static void cumsum(CumSum op) {
        Operand x = op.x(), out = op.out();
        int axis = op.axis();
        long n = x.dim(axis), xStride = x.strides()[axis], outStride = out.strides()[axis];
        boolean floating = x.dtype().isFloatingPoint();
        for (Odometer i = new Odometer(x.shape().with(axis, n == 0 ? 0 : 1)); i.valid(); i.next()) {
            long from = i.offset(x), to = i.offset(out);
            double sum = 0;
            long integerSum = 0;
            for (long j = 0; j < n; j++) {
                if (floating) {
                    sum += Elements.get(x, from + j * xStride);
                    Elements.set(out, to + j * outStride, sum);
                } else {
                    integerSum += Elements.getLong(x, from + j * xStride);
                    Elements.setLong(out, to + j * outStride, integerSum);
                }
            }
        }
    }

    /** Each pair {@code (a, b)} of a row to {@code (a cos - b sin, b cos + a sin)}, in double, rounded once. */
    static void rotary(Rotary op) {
        Operand x = op.x(), out = op.out();
        int last = x.rank() - 1;
        long pairs = op.pairs();
        long second = op.interleaved() ? 1 : pairs;
        long first = op.interleaved() ? 2 : 1;
        long xStride = x.strides()[last], outStride = out.strides()[last];
        long cosStride = op.cos().strides()[last], sinStride = op.sin().strides()[last];
        Shape rows = x.shape().with(last, 1);
        for (Odometer i = new Odometer(rows); i.valid(); i.next()) {
            long xAt = i.offset(x), outAt = i.offset(out), cosAt = i.offset(op.cos()), sinAt = i.offset(op.sin());
            for (long p = 0; p < pairs; p++) {
                double a = Elements.get(x, xAt + first * p * xStride);
                double b = Elements.get(x, xAt + (first * p + second) * xStride);
                double c = Elements.get(op.cos(), cosAt + p * cosStride);
                double s = Elements.get(op.sin(), sinAt + p * sinStride);
                Elements.set(out, outAt + first * p * outStride, a * c - b * s);
                Elements.set(out, outAt + (first * p + second) * outStride, b * c + a * s);
            }
        }
    }
}
