package dev.colossus;

import dev.colossus.op.Copy;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/** Tensors made on the host from Java arrays, the caller's memory, and seeded generators: {@link Tensor}'s factories. */
final class HostTensors {
    /** Values drawn per cast by {@link Tensor#rand} and {@link Tensor#randn}. */
    private static final int GENERATED_BLOCK = 1 << 20;

    private HostTensors() {
    }

    /**
     * {@code values} drawn in row-major order, a block of {@link #GENERATED_BLOCK} at a time, each cast
     * into its place: no F64 copy of the whole tensor (a 268M-element BF16 tensor took 4 GB of doubles
     * and seconds), and no limit at a Java array's length.
     */
    static Tensor generated(String op, DType dtype, long[] shape, java.util.function.DoubleSupplier values) {
        Shape s = Shape.checked(op, shape);
        Tensor out = Tensor.empty(op, dtype, s);
        long n = s.numel();
        double[] block = new double[(int) Math.min(n, GENERATED_BLOCK)];
        for (long at = 0; at < n; at += block.length) {
            int length = (int) Math.min(block.length, n - at);
            for (int i = 0; i < length; i++) {
                block[i] = values.getAsDouble();
            }
            try (Tensor part = fromHeap(op, MemorySegment.ofArray(block).asSlice(0, 8L * length), length, DType.F64,
                    new long[] {length})) {
                Dispatcher.execute(new Copy(part.operand(), out.operand().withLayout(Shape.of(length), new long[] {1},
                        out.operand().offset() + at)));
            }
        }
        return out;
    }

    static Tensor fromHeap(String op, MemorySegment data, long length, DType dtype, long[] shape) {
        Shape s = Shape.checked(op, shape);
        if (s.numel() != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + s
                    + " (" + s.numel() + " elements)");
        }
        Tensor t = Tensor.empty(op, dtype, s);
        MemorySegment.copy(data, 0, t.operand().segment(), 0, data.byteSize());
        return t;
    }

    /**
     * The common length of {@code count} rows, for a matrix made of them; a row's length is -1 when it is null.
     * Throws naming {@code op} and the first row whose length differs from row 0's.
     */
    static int columns(String op, int count, IntUnaryOperator rowLength) {
        int columns = count == 0 ? 0 : rowLength.applyAsInt(0);
        for (int r = 0; r < count; r++) {
            int length = rowLength.applyAsInt(r);
            if (length < 0) {
                throw new IllegalArgumentException(op + ": row " + r + " of " + count + " is null");
            }
            if (length != columns) {
                throw new IllegalArgumentException(op + ": row " + r + " has " + length + " values, row 0 has "
                        + columns + "; a matrix needs rows of one length");
            }
        }
        if ((long) count * columns > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": " + count + " rows of " + columns
                    + " values are more than a Java array holds");
        }
        return columns;
    }

    /**
     * {@link Tensor#wrap(MemorySegment, DType, long[], long[])}, or {@link Tensor#wrapConstant} when
     * {@code constant}: checks the layout against the segment, naming the op in what it throws.
     */
    static Tensor wrap(MemorySegment segment, DType dtype, long[] shape, long[] strides, boolean constant) {
        String op = constant ? "wrapConstant" : "wrap";
        Shape s = Shape.checked(op, shape);
        if (strides.length != shape.length) {
            throw new IllegalArgumentException(op + ": " + strides.length + " strides for shape " + s);
        }
        long lastByte = 0;
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] < 0) {
                throw new IllegalArgumentException(op + ": negative stride " + strides[d] + " in " + Arrays.toString(strides));
            }
        }
        try {
            if (s.numel() > 0) {
                long lastElement = 0;
                for (int d = 0; d < shape.length; d++) {
                    lastElement = Math.addExact(lastElement, Math.multiplyExact(shape[d] - 1, strides[d]));
                }
                lastByte = Math.multiplyExact(lastElement + 1, (long) dtype.byteSize());
            }
        } catch (ArithmeticException overflow) {
            lastByte = Long.MAX_VALUE;
        }
        if (lastByte > segment.byteSize()) {
            throw new IllegalArgumentException(op + ": shape " + s + " " + dtype + " with strides " + Arrays.toString(strides)
                    + " needs " + lastByte + " bytes, the segment has " + segment.byteSize());
        }
        HostStorage storage = constant ? HostStorage.wrapConstant(segment) : HostStorage.wrap(segment);
        return Tensor.adopt(new Operand(storage, dtype, s, strides.clone(), 0));
    }
}
