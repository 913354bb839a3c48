package dev.colossus.reference;

import dev.colossus.Shape;
import dev.colossus.op.AddRmsNorm;
import dev.colossus.op.Binary;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.LayerNorm;
import dev.colossus.op.RmsNorm;
import dev.colossus.op.Softmax;
import dev.colossus.spi.Operand;
import java.util.Arrays;
import java.util.function.BiConsumer;

/** Softmax along an axis and the norms over trailing axes, one slice at a time, in double. */
final class ReferenceNorms {
    private ReferenceNorms() {
    }

    /** Per slice along the axis: {@code m = max x}, {@code s = sum exp(x - m)}, {@code out = exp(x - m) / s} or {@code x - m - log s}. */
    static void softmax(Softmax op) {
        Operand x = op.x();
        Operand out = op.out();
        int axis = op.axis();
        long n = x.dim(axis);
        Shape outer = x.shape().with(axis, 1);
        Operand xBase = x.withLayout(outer, x.strides(), x.offset());
        Operand outBase = out.withLayout(outer, out.strides(), out.offset());
        long xStride = x.strides()[axis];
        long outStride = out.strides()[axis];
        for (Odometer o = new Odometer(outer); o.valid(); o.next()) {
            long xStart = o.offset(xBase);
            long outStart = o.offset(outBase);
            double max = Double.NEGATIVE_INFINITY;
            for (long j = 0; j < n; j++) {
                max = Math.max(max, Elements.get(x, xStart + j * xStride));
            }
            double sum = 0;
            for (long j = 0; j < n; j++) {
                sum += Math.exp(Elements.get(x, xStart + j * xStride) - max);
            }
            for (long j = 0; j < n; j++) {
                double shifted = Elements.get(x, xStart + j * xStride) - max;
                Elements.set(out, outStart + j * outStride, op.log() ? shifted - Math.log(sum) : Math.exp(shifted) / sum);
            }
        }
    }

    /** Per group: {@code (x - mean) / sqrt(var + eps) * weight + bias}, biased variance. */
    static void layerNorm(LayerNorm op) {
        new Groups(op.x(), op.out(), op.normalizedAxes()).forEach((x, out) -> {
            double n = x.numel();
            double sum = 0;
            for (Odometer i = new Odometer(x.shape()); i.valid(); i.next()) {
                sum += Elements.get(x, i.offset(x));
            }
            double mean = sum / n;
            double squares = 0;
            for (Odometer i = new Odometer(x.shape()); i.valid(); i.next()) {
                double d = Elements.get(x, i.offset(x)) - mean;
                squares += d * d;
            }
            double std = Math.sqrt(squares / n + op.eps());
            for (Odometer i = new Odometer(x.shape()); i.valid(); i.next()) {
                double y = (Elements.get(x, i.offset(x)) - mean) / std;
                if (op.weight() != null) {
                    y *= Elements.get(op.weight(), i.offset(op.weight()));
                }
                if (op.bias() != null) {
                    y += Elements.get(op.bias(), i.offset(op.bias()));
                }
                Elements.set(out, i.offset(out), y);
            }
        });
    }

    /** Per group: {@code x / sqrt(mean(x^2) + eps) * weight}. */
    static void rmsNorm(RmsNorm op) {
        new Groups(op.x(), op.out(), op.normalizedAxes()).forEach((x, out) -> {
            double squares = 0;
            for (Odometer i = new Odometer(x.shape()); i.valid(); i.next()) {
                double v = Elements.get(x, i.offset(x));
                squares += v * v;
            }
            double rms = Math.sqrt(squares / x.numel() + op.eps());
            for (Odometer i = new Odometer(x.shape()); i.valid(); i.next()) {
                double y = Elements.get(x, i.offset(x)) / rms;
                if (op.weight() != null) {
                    y *= Elements.get(op.weight(), i.offset(op.weight()));
                }
                Elements.set(out, i.offset(out), y);
            }
        });
    }

    /** {@code out[0] = x + residual} (rounded to its dtype), then {@code out[1]} = the RMS norm of out[0] as stored. */
    static void addRmsNorm(AddRmsNorm op) {
        ReferenceElementwise.binary(new Binary(BinaryFn.ADD, op.x(), op.residual(), op.sum()));
        rmsNorm(new RmsNorm(op.sum(), op.weight(), op.normalizedAxes(), op.eps(), op.normalized()));
    }

    /** The groups of a norm: one (x, out) pair of trailing-axes slices per leading index. */
    private record Groups(Operand x, Operand out, int normalizedAxes) {
        void forEach(BiConsumer<Operand, Operand> body) {
            int lead = x.rank() - normalizedAxes;
            Shape leading = x.shape().prefix(lead);
            Shape trailing = x.shape().suffix(lead);
            long[] xTrailingStrides = Arrays.copyOfRange(x.strides(), lead, x.rank());
            long[] outTrailingStrides = Arrays.copyOfRange(out.strides(), lead, out.rank());
            Operand xLead = x.withLayout(leading, Arrays.copyOf(x.strides(), lead), x.offset());
            Operand outLead = out.withLayout(leading, Arrays.copyOf(out.strides(), lead), out.offset());
            for (Odometer o = new Odometer(leading); o.valid(); o.next()) {
                body.accept(x.withLayout(trailing, xTrailingStrides, o.offset(xLead)),
                        out.withLayout(trailing, outTrailingStrides, o.offset(outLead)));
            }
        }
    }
}
