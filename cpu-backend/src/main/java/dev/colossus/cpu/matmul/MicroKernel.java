package dev.colossus.cpu.matmul;

import dev.colossus.cpu.simd.Simd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A register-blocked GEMM micro-kernel over packed panels:
 * {@code tile[i * NR + j] = sum_k A[k][i] * B[k][j]} for {@code i < MR, j < NR, k < kc}, where the A
 * panel is at {@code a[aOff + k * MR + i]} and the B panel at {@code b[bOff + k * NR + j]};
 * {@link #store} then writes (or adds) the tile's top-left {@code rows x cols} into C, row-major F32
 * in a segment at byte {@code cOff} with {@code ldc} elements per row. {@code kc} is a multiple of
 * {@link #depthStep()}: packing pads a depth with steps of zeros ({@link #depth}).
 */
public interface MicroKernel {
    static MicroKernel instance() {
        return Holder.INSTANCE;
    }

    /**
     * The kernel of attention's products: with 32 vector registers the 12 x 2L tile, 24 accumulators and
     * 2 B vectors a step, which ran at 0.96-0.98 of the FMA peak in each of six JVMs (AMD Zen 4, depth
     * 128); 8 x 2L, with 16 accumulators, at 0.79-0.87 (8 broadcasts a step against 16 FMAs). In
     * attention's transposed products (NR queries a panel, MR keys or value columns) it ran the
     * 1024-token prefill with heads of 96 in 60-64 ms where the 6 x 3L tile took 70 (Intel Xeon, two
     * threads; {@code benchmarks/results/cpu/README.md}). With 16 vector registers, {@link #instance()}'s 6 x 2L.
     */
    static MicroKernel forAttention() {
        return Holder.ATTENTION;
    }

    /** Rows of the tile, as packed in an A panel. */
    int mr();

    /** Columns of the tile, as packed in a B panel. */
    int nr();

    /** The k steps a panel's depth is a multiple of: 2, the loop's steps an iteration. */
    default int depthStep() {
        return 2;
    }

    /** {@code kc} rounded up to a multiple of {@link #depthStep()}: the depth of its packed panels. */
    default int depth(int kc) {
        int step = depthStep();
        return (kc + step - 1) / step * step;
    }

    /** {@code tile = A B} over {@code kc} steps: the whole MR x NR tile. */
    void multiply(int kc, float[] a, int aOff, float[] b, int bOff, float[] tile);

    /**
     * Interleaves rows, column by column: {@code dst[dstOff + k * stride + i] = rows[rowsOff + i * ld + k]}
     * for {@code i < count, k < kc}. An A panel is its MR rows interleaved ({@code stride} MR); a B panel
     * from columns that lie along k takes them a few at a time into its rows of NR.
     */
    default void interleave(float[] rows, int rowsOff, int ld, int count, int kc, float[] dst, int dstOff, int stride) {
        for (int k = 0; k < kc; k++) {
            for (int i = 0; i < count; i++) {
                dst[dstOff + k * stride + i] = rows[rowsOff + i * ld + k];
            }
        }
    }

    /**
     * Packs a whole B panel from rows of F32 (or BF16, widened, when {@code bf16}): {@code dst[dstOff
     * + k * NR + j]} = the element at byte {@code at + k * rowBytes} + j elements of {@code b}, for
     * {@code k < kc, j < NR}.
     */
    default void packB(MemorySegment b, long at, long rowBytes, boolean bf16, int kc, float[] dst, int dstOff) {
        int nr = nr();
        for (int k = 0; k < kc; k++) {
            long row = at + k * rowBytes;
            for (int j = 0; j < nr; j++) {
                dst[dstOff + k * nr + j] = bf16 ? Float.intBitsToFloat(b.get(ValueLayout.JAVA_SHORT_UNALIGNED, row + 2L * j) << 16)
                        : b.get(ValueLayout.JAVA_FLOAT_UNALIGNED, row + 4L * j);
            }
        }
    }

    /**
     * {@code C = tile + addend} ({@code accumulate} false) or {@code C += tile + addend}, for the first
     * {@code rows x cols} of the tile, where the addend is one row, {@code rowAddend[addendOff + j]} in
     * every row (a bias), or nothing when {@code rowAddend} is null.
     */
    void store(float[] tile, int rows, int cols, float[] rowAddend, int addendOff, MemorySegment c, long cOff, long ldc,
            boolean accumulate);

    /** How many rows {@link #multiplyRows} takes: 0 where only the packed kernel exists. */
    int skinnyRows();

    /**
     * The decode shape without packing: {@code C[i, j] = sum_k a[i * k + kk] * B[kk, j]} for
     * {@code i < rows <= skinnyRows()}, {@code j < n}, {@code kk < k}. B is read once, in place: row
     * {@code kk} is F32 (or BF16 when {@code bf16}) at byte {@code bOff + kk * bRowBytes} of {@code b};
     * {@code a} holds {@link #skinnyRows()} rows of {@code k} (zeros past {@code rows}); C is row-major
     * F32 at byte {@code cOff} of {@code c}, {@code ldc} elements per row.
     */
    void multiplyRows(int rows, int k, int n, float[] a, MemorySegment b, long bOff, long bRowBytes, boolean bf16,
            MemorySegment c, long cOff, long ldc);

    /** Loads the implementation on first use, so the scalar path never touches the Vector API. */
    final class Holder {
        private static final MicroKernel INSTANCE = Simd.BITS == 0 ? new ScalarMicroKernel() : new VectorMicroKernel(8, 3);
        private static final MicroKernel ATTENTION = Simd.BITS == 0 ? INSTANCE : new VectorMicroKernel(12, 2);

        private Holder() {
        }
    }
}
