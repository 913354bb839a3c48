package dev.colossus.cuda;

import dev.colossus.spi.Operand;

/**
 * A row-major batched matmul {@code out[p] = a[p] b[p]}, {@code (M,K) x (K,N) -> (M,N)}, as one
 * column-major cuBLAS call, without copies.
 *
 * <p>A row-major matrix with row stride {@code ld} is, read column-major, its transpose with leading
 * dimension {@code ld}. So the row-major {@code out = a b} is the column-major {@code out^T = b^T a^T}:
 * cuBLAS's {@code A} is our {@code b}, its {@code B} our {@code a}, with {@code m = N, n = M, k = K}.
 * An operand stored column-major (a transposed view) is the same matrix with the op flag flipped:
 * <pre>
 *   b (K,N) strides (ld,1): transA = N, lda = ld      b strides (1,ld): transA = T, lda = ld
 *   a (M,K) strides (ld,1): transB = N, ldb = ld      a strides (1,ld): transB = T, ldb = ld
 *   out (M,N) strides (N,1): ldc = N
 * </pre>
 * The batch dimensions must collapse to one stride per operand (0 for a broadcast operand).
 *
 * @param aOffset element offset of cuBLAS's A (our {@code b}); likewise {@code bOffset} (our {@code a}), {@code cOffset}
 */
record GemmPlan(int transA, int transB, int m, int n, int k, long aOffset, int lda, long strideA, long bOffset, int ldb,
                long strideB, long cOffset, int ldc, long strideC, int batch) {

    /** A matrix's storage: row-major or column-major with leading dimension {@code ld}. */
    private record Storage(boolean rowMajor, long ld) {
    }

    /** The plan for {@code out = a b}, or {@code null} when an operand must first be made contiguous. */
    static GemmPlan of(Operand a, Operand b, Operand out) {
        int r = out.rank();
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        Storage sa = storage(m, k, a.strides()[r - 2], a.strides()[r - 1]);
        Storage sb = storage(k, n, b.strides()[r - 2], b.strides()[r - 1]);
        Storage sc = storage(m, n, out.strides()[r - 2], out.strides()[r - 1]);
        long[] batchA = batch(a), batchB = batch(b), batchC = batch(out);
        if (sa == null || sb == null || sc == null || !sc.rowMajor() || batchA == null || batchB == null || batchC == null) {
            return null;
        }
        long count = batchC[0];
        if (!fitsInt(m, n, k, sa.ld(), sb.ld(), sc.ld(), count)) {
            throw new UnsupportedOperationException("matmul: " + a.describe() + " x " + b.describe()
                    + " has a dimension, leading dimension or batch count beyond 2^31 - 1, which cuBLAS's 32-bit API takes");
        }
        return new GemmPlan(sb.rowMajor() ? Cublas.OP_N : Cublas.OP_T, sa.rowMajor() ? Cublas.OP_N : Cublas.OP_T,
                (int) n, (int) m, (int) k, b.offset(), (int) sb.ld(), batchB[1], a.offset(), (int) sa.ld(), batchA[1],
                out.offset(), (int) sc.ld(), batchC[1], (int) count);
    }

    /**
     * Whether cuBLAS can write {@code out} where it lies: its rows have a unit stride and its batch
     * dimensions collapse to one stride. Otherwise the product goes to a contiguous scratch of out's
     * shape, which is then copied into out.
     */
    static boolean writes(Operand out) {
        int r = out.rank();
        Storage s = storage(out.dim(r - 2), out.dim(r - 1), out.strides()[r - 2], out.strides()[r - 1]);
        return s != null && s.rowMajor() && batch(out) != null;
    }

    /**
     * How a (rows, cols) matrix with these strides is stored, if cuBLAS can read it: unit stride along
     * one dimension and a leading dimension at least the other's size. Strides of size-1 dimensions
     * do not matter, so they are chosen to fit.
     */
    private static Storage storage(long rows, long cols, long rowStride, long colStride) {
        if ((colStride == 1 || cols == 1) && (rows == 1 || rowStride >= Math.max(1, cols))) {
            return new Storage(true, rows == 1 ? Math.max(1, cols) : rowStride);
        }
        if ((rowStride == 1 || rows == 1) && (cols == 1 || colStride >= Math.max(1, rows))) {
            return new Storage(false, cols == 1 ? Math.max(1, rows) : colStride);
        }
        return null;
    }

    /** {@code {count, stride}} of the batch dimensions seen as one, or {@code null} if they are not evenly strided. */
    static long[] batch(Operand x) {
        int batchRank = x.rank() - 2;
        long count = 1;
        long stride = 0;
        long expected = -1;
        for (int d = batchRank - 1; d >= 0; d--) {
            long size = x.dim(d);
            if (size == 1) {
                continue;
            }
            long s = x.strides()[d];
            if (expected < 0) {
                stride = s;
            } else if (s != expected) {
                return null;
            }
            count *= size;
            expected = s * size;
        }
        return new long[] {count, stride};
    }

    private static boolean fitsInt(long... values) {
        for (long v : values) {
            if (v > Integer.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }
}
