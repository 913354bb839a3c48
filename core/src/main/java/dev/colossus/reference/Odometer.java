package dev.colossus.reference;

import dev.colossus.Shape;
import dev.colossus.spi.Operand;

/**
 * Walks every index of a shape in row-major order, the last dimension fastest:
 * <pre>{@code
 * for (Odometer i = new Odometer(shape); i.valid(); i.next()) { ... i.offset(x) ... }
 * }</pre>
 */
final class Odometer {
    private final long[] dims;
    private final long[] index;
    private boolean valid;

    Odometer(Shape shape) {
        this.dims = shape.dims();
        this.index = new long[dims.length];
        this.valid = shape.numel() > 0;
    }

    boolean valid() {
        return valid;
    }

    void next() {
        for (int d = dims.length - 1; d >= 0; d--) {
            if (++index[d] < dims[d]) {
                return;
            }
            index[d] = 0;
        }
        valid = false;
    }

    /** Index along dimension {@code d}. */
    long at(int d) {
        return index[d];
    }

    /** The storage element offset of this index in {@code x}, which has this odometer's shape. */
    long offset(Operand x) {
        long offset = x.offset();
        long[] strides = x.strides();
        for (int d = 0; d < index.length; d++) {
            offset += index[d] * strides[d];
        }
        return offset;
    }
}
