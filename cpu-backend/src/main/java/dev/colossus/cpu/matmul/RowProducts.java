package dev.colossus.cpu.matmul;

import dev.colossus.DType;
import dev.colossus.cpu.simd.Simd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

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
     * {@link #dots} where the keys are a weight's rows ({@code x wᵀ} of a linear layer, x a few rows),
     * long and read once each from memory: the same sums, with the loops shaped for streaming the
     * weight through while q's rows stay in cache. For one row of q the keys may also be F16, q then
     * in pair order too.
     */
    void weightDots(float[] q, int rows, int d, MemorySegment k, long at, long rowBytes, DType dtype, int keys, float[] out);

    /**
     * {@code out[j] = sum_i x[from + i] * k_j[i]} for {@code i < d, j < keys}: d elements of one BF16
     * row x from element {@code from} (even) against BF16 keys of d elements laid out as {@link #dots}
     * takes them. x comes as its {@linkplain #loadWords words}, two values a word as they lie in memory:
     * half the footprint of x in F32, beside the keys streaming through L1 (Llama 1B's decode step,
     * whose down projection has rows of 8192, ran 13-14% faster: {@code
     * benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    void bf16Dots(int[] x, int from, int d, MemorySegment k, long at, long rowBytes, int keys, float[] out);

    /**
     * The n BF16 values at byte {@code at} of m, {@code stride} bytes apart, as the words {@link
     * #bf16Dots} takes: value i in the half of word i / 2 that lies first in memory when i is even,
     * so that a row with stride 2 is its memory read as ints in native order.
     */
    static void loadWords(MemorySegment m, long at, long stride, int n, int[] words) {
        if (stride == 2) {
            MemorySegment.copy(m, ValueLayout.JAVA_INT_UNALIGNED, at, words, 0, n / 2);
        } else {
            for (int i = 0; i + 1 < n; i += 2) {
                words[i / 2] = word(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + i * stride),
                        m.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + (i + 1) * stride));
            }
        }
        if (n % 2 == 1) {
            words[n / 2] = word(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + (n - 1) * stride), (short) 0);
        }
    }

    /** The word holding {@code first} where it lies first in memory, {@code second} after it. */
    private static int word(short first, short second) {
        int a = first & 0xFFFF, b = second & 0xFFFF;
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? a | b << 16 : a << 16 | b;
    }

    /** Value i of {@link #loadWords}'s words, as F32 (exact). */
    static float wordValue(int[] words, int i) {
        int word = words[i / 2];
        boolean low = (i % 2 == 0) == (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
        return Float.intBitsToFloat(low ? word << 16 : word & 0xFFFF_0000);
    }

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
