package dev.colossus.reference;

import dev.colossus.op.Arange;
import dev.colossus.op.Binary;
import dev.colossus.op.Copy;
import dev.colossus.op.Fill;
import dev.colossus.op.Unary;
import dev.colossus.op.Where;
import dev.colossus.spi.Operand;

/** Copies, fills and elementwise functions, one element at a time through {@link Elements}. */
final class ReferenceElementwise {
    private ReferenceElementwise() {
    }

    /** {@code out[i] = cast(src[i])}: floating sources through double, integer sources through long. */
    static void copy(Copy op) {
        Operand src = op.src();
        Operand out = op.out();
        boolean floating = src.dtype().isFloatingPoint();
        for (Odometer i = new Odometer(out.shape()); i.valid(); i.next()) {
            if (floating) {
                Elements.set(out, i.offset(out), Elements.get(src, i.offset(src)));
            } else {
                Elements.setLong(out, i.offset(out), Elements.getLong(src, i.offset(src)));
            }
        }
    }

    static void fill(Fill op) {
        Operand out = op.out();
        for (Odometer i = new Odometer(out.shape()); i.valid(); i.next()) {
            Elements.set(out, i.offset(out), op.value());
        }
    }

    static void arange(Arange op) {
        Operand out = op.out();
        for (long i = 0; i < out.numel(); i++) {
            Elements.set(out, out.offset() + i * out.strides()[0], op.start() + i * op.step());
        }
    }

    static void unary(Unary op) {
        Operand x = op.x();
        Operand out = op.out();
        boolean floating = x.dtype().isFloatingPoint();
        for (Odometer i = new Odometer(out.shape()); i.valid(); i.next()) {
            if (floating) {
                Elements.set(out, i.offset(out), ReferenceMath.unary(op.fn(), Elements.get(x, i.offset(x))));
            } else {
                Elements.setLong(out, i.offset(out), ReferenceMath.unary(op.fn(), Elements.getLong(x, i.offset(x))));
            }
        }
    }

    static void binary(Binary op) {
        Operand a = op.a();
        Operand b = op.b();
        Operand out = op.out();
        boolean floating = a.dtype().isFloatingPoint();
        for (Odometer i = new Odometer(out.shape()); i.valid(); i.next()) {
            if (floating) {
                double r = ReferenceMath.binary(op.fn(), Elements.get(a, i.offset(a)), Elements.get(b, i.offset(b)));
                Elements.set(out, i.offset(out), r);
            } else {
                long r = ReferenceMath.binary(op.fn(), Elements.getLong(a, i.offset(a)), Elements.getLong(b, i.offset(b)));
                Elements.setLong(out, i.offset(out), r);
            }
        }
    }

    static void where(Where op) {
        Operand out = op.out();
        boolean floating = out.dtype().isFloatingPoint();
        for (Odometer i = new Odometer(out.shape()); i.valid(); i.next()) {
            Operand chosen = Elements.getLong(op.condition(), i.offset(op.condition())) != 0 ? op.a() : op.b();
            if (floating) {
                Elements.set(out, i.offset(out), Elements.get(chosen, i.offset(chosen)));
            } else {
                Elements.setLong(out, i.offset(out), Elements.getLong(chosen, i.offset(chosen)));
            }
        }
    }
}
