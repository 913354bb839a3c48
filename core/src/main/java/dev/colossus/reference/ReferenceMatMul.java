package dev.colossus.reference;

import dev.colossus.Shape;
import dev.colossus.op.MatMul;
import dev.colossus.op.ScaledMatMul;
import dev.colossus.spi.Operand;
import java.util.Arrays;

/**
 * {@code out[..., m, n] = act(alpha * sum_k a[..., m, k] * b[..., k, n] + beta * c[..., m, n])}, and
 * the scaled product {@code scaleA * scaleB * sum_k a[..., m, k] * b[..., k, n]}, summed in double,
 * one output element at a time.
 */
final class ReferenceMatMul {
    private ReferenceMatMul() {
    }

    static void matmul(MatMul op) {
        Operand a = op.a();
        Operand b = op.b();
        Operand out = op.out();
        int r = out.rank();
        long rows = out.dim(r - 2), cols = out.dim(r - 1), inner = a.dim(r - 1);
        Shape batch = out.shape().prefix(r - 2);
        Operand aBatch = a.withLayout(batch, Arrays.copyOf(a.strides(), r - 2), a.offset());
        Operand bBatch = b.withLayout(batch, Arrays.copyOf(b.strides(), r - 2), b.offset());
        Operand outBatch = out.withLayout(batch, Arrays.copyOf(out.strides(), r - 2), out.offset());
        Operand c = op.addend();
        Operand cBatch = c == null ? null : c.withLayout(batch, Arrays.copyOf(c.strides(), r - 2), c.offset());
        long cm = c == null ? 0 : c.strides()[r - 2], cn = c == null ? 0 : c.strides()[r - 1];
        long am = a.strides()[r - 2], ak = a.strides()[r - 1];
        long bk = b.strides()[r - 2], bn = b.strides()[r - 1];
        long om = out.strides()[r - 2], on = out.strides()[r - 1];
        for (Odometer i = new Odometer(batch); i.valid(); i.next()) {
            long a0 = i.offset(aBatch), b0 = i.offset(bBatch), o0 = i.offset(outBatch);
            long c0 = c == null ? 0 : i.offset(cBatch);
            for (long m = 0; m < rows; m++) {
                for (long n = 0; n < cols; n++) {
                    double sum = 0;
                    for (long k = 0; k < inner; k++) {
                        sum += Elements.get(a, a0 + m * am + k * ak) * Elements.get(b, b0 + k * bk + n * bn);
                    }
                    double value = op.alpha() * sum;
                    if (c != null) {
                        value += op.beta() * Elements.get(c, c0 + m * cm + n * cn);
                    }
                    if (op.activation() != null) {
                        value = ReferenceMath.unary(op.activation(), value);
                    }
                    Elements.set(out, o0 + m * om + n * on, value);
                }
            }
        }
    }

    static void scaledMatmul(ScaledMatMul op) {
        double scale = Elements.get(op.scaleA(), op.scaleA().offset()) * Elements.get(op.scaleB(), op.scaleB().offset());
        matmul(new MatMul(op.a(), op.b(), null, scale, 0, null, op.out()));
    }
}
