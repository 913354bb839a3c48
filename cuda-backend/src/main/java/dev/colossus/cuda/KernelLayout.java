package dev.colossus.cuda;

import dev.colossus.spi.Operand;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An operand's layout as the kernels' {@code struct Layout} (src/main/cuda/common/strided.cuh): element
 * offset, up to {@link #MAX_RANK} sizes and strides, rank and dtype code, 144 bytes, little-endian.
 *
 * <p>Element {@code i} (row-major over {@code shape}) is at {@code offset + sum_d digit_d(i) * strides[d]}.
 * {@link #of} first merges neighbouring dimensions that are contiguous with each other and drops
 * size-1 ones, which keeps that mapping and makes most layouts rank 1.
 */
record KernelLayout(long offset, long[] shape, long[] strides, int dtype) {
    static final int MAX_RANK = 8;
    static final int BYTES = 8 + 8 * MAX_RANK * 2 + 4 + 4;

    /** The layout of {@code x}'s elements, dimensions merged where the strides allow. */
    static KernelLayout of(Operand x) {
        return of(x.shape().dims(), x.strides(), x.offset(), x.dtype().ordinal());
    }

    static KernelLayout of(long[] dims, long[] strides, long offset, int dtype) {
        long[] shape = new long[dims.length];
        long[] str = new long[dims.length];
        int rank = 0;
        for (int d = 0; d < dims.length; d++) {
            if (dims[d] == 1) {
                continue;
            }
            if (rank > 0 && str[rank - 1] == strides[d] * dims[d]) {
                shape[rank - 1] *= dims[d];
                str[rank - 1] = strides[d];
            } else {
                shape[rank] = dims[d];
                str[rank] = strides[d];
                rank++;
            }
        }
        if (rank == 0) {
            return new KernelLayout(offset, new long[] {1}, new long[] {1}, dtype);
        }
        return new KernelLayout(offset, Arrays.copyOf(shape, rank), Arrays.copyOf(str, rank), dtype);
    }

    /** The same elements seen as a flat run of {@code n}: only for layouts {@link #isDense}. */
    boolean isDense() {
        return shape.length == 1 && strides[0] == 1;
    }

    int rank() {
        return shape.length;
    }

    /** Writes the struct's {@link #BYTES} bytes into {@code target} at {@code at}, as a kernel parameter. */
    void writeTo(byte[] target, int at) {
        if (rank() > MAX_RANK) {
            throw new IllegalStateException("rank " + rank() + " exceeds the kernels' " + MAX_RANK);
        }
        ByteBuffer b = ByteBuffer.wrap(target, at, BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(offset);
        for (int d = 0; d < MAX_RANK; d++) {
            b.putLong(d < rank() ? shape[d] : 1);
        }
        for (int d = 0; d < MAX_RANK; d++) {
            b.putLong(d < rank() ? strides[d] : 0);
        }
        b.putInt(rank()).putInt(dtype);
    }

    /** The dimensions of {@code x} where {@code select[d] == wanted}, as one layout starting at {@code offset}. */
    static KernelLayout part(Operand x, boolean[] select, boolean wanted, long offset) {
        long[] dims = new long[x.rank()];
        long[] strides = new long[x.rank()];
        int n = 0;
        for (int d = 0; d < x.rank(); d++) {
            if (select[d] == wanted) {
                dims[n] = x.dim(d);
                strides[n++] = x.strides()[d];
            }
        }
        return of(Arrays.copyOf(dims, n), Arrays.copyOf(strides, n), offset, x.dtype().ordinal());
    }

    /** {@code x}'s layout, or an empty one for an absent operand. */
    static KernelLayout optional(Operand x) {
        return x == null ? of(new long[0], new long[0], 0, 0) : of(x);
    }
}
