package dev.colossus.cpu.matmul;

import dev.colossus.DType;
import dev.colossus.cpu.simd.Simd;
import java.lang.foreign.MemorySegment;

/**
 * Products of a few F32 rows against the rows of a matrix that lies in native memory, F32 or BF16,
 * read where it lies: {@code q K^T} ({@link #dots}) and {@code p V} ({@link #addProducts}), the
 * matrix-vector products of decode attention and of a matmul with a handful of rows. Two
 * implementations: {@link VectorRowProducts} on the Vector API and {@link ScalarRowProducts}.
 */
public interface RowProducts {
    /** The implementation for this process's {@link Simd#BITS}. */
    static RowProducts instance() {
        return Holder.INSTANCE;
    }

    /**
     * {@code out[r * keys + j] = sum_i q[r * d + i] * k_j[i]} for {@code r < rows, j < keys}: every
     * row of q against every key. Key j is the row of d elements at byte {@code at + j * rowBytes} of
     * k, F32 or BF16 ({@code dtype}, native byte order), read where it lies; BF16 is widened in
     * registers, and for it q's rows must be in {@linkplain #toPairOrder pair order}.
     */
    void dots(float[] q, int rows, int d, MemorySegment k, long at, long rowBytes, DType dtype, int keys, float[] out);

    /**
     * {@code out[r * d + c] += sum_j p[r * keys + j] * v_j[c]} for {@code r < rows, c < d}: a few
     * rows of weights times the value rows, laid out as the keys of {@link #dots}. For BF16 values
     * out's rows are in {@linkplain #toPairOrder pair order}.
     */
    void addProducts(float[] p, int rows, int keys, MemorySegment v, long at, long rowBytes, DType dtype, int d, float[] out);

    /**
     * Permutes {@code x[off, off + n)} into the order in which {@link #dots} and {@link #addProducts}
     * meet the elements of a BF16 row: the vector kernels widen the two halves of each 32-bit word
     * with a shift and a mask, so each run of two vectors' worth of elements holds one half of every
     * word, then the other; a tail shorter than a run, and the scalar kernels, keep the natural order.
     */
    void toPairOrder(float[] x, int off, int n);

    /** The inverse of {@link #toPairOrder}. */
    void fromPairOrder(float[] x, int off, int n);

    /** Loads the implementation only on first use, so the scalar path never touches the Vector API. */
    final class Holder {
        private static final RowProducts INSTANCE = Simd.BITS == 0 ? new ScalarRowProducts() : new VectorRowProducts();

        private Holder() {
        }
    }
}
