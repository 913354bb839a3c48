package dev.colossus.cpu;

import java.lang.foreign.MemorySegment;

/**
 * A register-blocked GEMM micro-kernel over packed panels:
 * {@code C[i, j] (+)= sum_k A[k][i] * B[k][j]} for {@code i < MR, j < NR, k < kc}, where the A panel
 * is at {@code a[aOff + k * MR + i]}, the B panel at {@code b[bOff + k * NR + j]}, and C is row-major
 * F32 in a segment at byte {@code cOff} with {@code ldc} elements per row. The whole MR x NR tile
 * is written; edge tiles go through a scratch tile.
 */
interface MicroKernel {
    static MicroKernel instance() {
        return Holder.INSTANCE;
    }

    /** Rows of the tile, as packed in an A panel. */
    int mr();

    /** Columns of the tile, as packed in a B panel. */
    int nr();

    /** Writes {@code C = A B} ({@code accumulate} false) or {@code C += A B} over {@code kc} steps. */
    void multiply(int kc, float[] a, int aOff, float[] b, int bOff, MemorySegment c, long cOff, long ldc,
            boolean accumulate);

    /** Loads the implementation on first use, so the scalar path never touches the Vector API. */
    final class Holder {
        private static final MicroKernel INSTANCE = Simd.BITS == 0 ? new ScalarMicroKernel() : new VectorMicroKernel();

        private Holder() {
        }
    }
}
