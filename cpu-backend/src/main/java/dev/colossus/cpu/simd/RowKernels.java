package dev.colossus.cpu.simd;

import java.lang.foreign.MemorySegment;

/**
 * The row kernels every CPU op family shares, over runs of {@code float[]} buffers: sums and extrema
 * of a run, running sums and extrema across runs, {@code axpy}, scaling, shifted exponentials, and the
 * BF16 conversions between buffers and memory. Two implementations: {@link VectorRowKernels} on the
 * Vector API and {@link ScalarRowKernels}. Runs passed to the reductions are short (a buffer's worth);
 * callers combine their results in double.
 */
public interface RowKernels {
    /** The implementation for this process's {@link Simd#BITS}. */
    static RowKernels instance() {
        return Holder.INSTANCE;
    }

    /** {@code sum_i x[off + i]} */
    float sum(float[] x, int off, int n);

    /** {@code sum_i (x[off + i] - mean)^2} */
    float squaredDeviations(float[] x, int off, int n, float mean);

    /**
     * {@code sum_i (x[off + i] - mean)^2}, and {@code linear[0] = sum_i (x[off + i] - mean)}: both sums of
     * the corrected two-pass variance, in one pass.
     */
    float squaredDeviations(float[] x, int off, int n, float mean, float[] linear);

    /** {@code max_i x[off + i]}, NaN if any is NaN; -Inf for n = 0 */
    float max(float[] x, int off, int n);

    /** The first i below n with {@code x[i] == value} (-0 and +0 alike), or with {@code x[i]} NaN for a NaN value; n if none. */
    int firstIndexOf(float[] x, int n, float value);

    /** {@code min_i x[off + i]}, NaN if any is NaN; +Inf for n = 0 */
    float min(float[] x, int off, int n);

    /** {@code acc[accOff + i] += x[xOff + i]} */
    void addInto(float[] x, int xOff, float[] acc, int accOff, int n);

    /** {@code acc[accOff + i] = max(acc[accOff + i], x[xOff + i])}, NaN-propagating */
    void maxInto(float[] x, int xOff, float[] acc, int accOff, int n);

    /** {@code acc[accOff + i] = min(acc[accOff + i], x[xOff + i])}, NaN-propagating */
    void minInto(float[] x, int xOff, float[] acc, int accOff, int n);

    /**
     * Argmax down columns, one row at a time: {@code best[i] = x[i]} and {@code index[i] = row} where
     * {@code x[i] > best[i]}, or x[i] is NaN and best[i] not, for {@code i < n}; so each column keeps its
     * first maximum (its first NaN, if any).
     */
    void argmaxInto(float[] x, float[] best, int[] index, int row, int n);

    /** {@code y[yOff + i] += alpha * x[xOff + i]} */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code x[off + i] *= alpha} */
    void scale(float[] x, int off, int n, float alpha);

    /** {@code x[off + i] = exp(x[off + i] - shift)}, returning the sum of the results */
    float expShifted(float[] x, int off, int n, float shift);

    /*
     * The same down the columns of a block of rows, x[off + r * width + j] for r < rows and j < width: a
     * column a lane, no reduction across lanes (attention's softmax with a query a column).
     */

    /** {@code acc[j] = max(acc[j], max_r x[off + r * width + j])}, NaN-propagating */
    void maxOfColumns(float[] x, int off, int rows, int width, float[] acc);

    /** {@code x[off + r * width + j] = exp(x[off + r * width + j] - shift[j])}, and {@code sums[j]} = the sum of column j's results */
    void expShiftedColumns(float[] x, int off, int rows, int width, float[] shift, float[] sums);

    /** {@code x[off + r * width + j] *= alpha[j]} */
    void scaleColumns(float[] x, int off, int rows, int width, float[] alpha);

    /*
     * The sums again, for F32 rows that lie contiguous in native memory at byte at: nothing between
     * memory and the registers.
     */

    /** {@code sum_i x[i]} */
    float sum(MemorySegment x, long at, int n);

    /** {@code sum_i (x[i] - mean)^2} */
    float squaredDeviations(MemorySegment x, long at, int n, float mean);

    /** {@code sum_i (x[i] - mean)^2}, and {@code linear[0] = sum_i (x[i] - mean)}, over the n floats at byte {@code at}. */
    float squaredDeviations(MemorySegment x, long at, int n, float mean, float[] linear);

    /** {@code dst[dstOff + i]} = the BF16 at byte {@code at + 2 i} of {@code src}, widened to F32, for {@code i < n} */
    void widenBf16(MemorySegment src, long at, float[] dst, int dstOff, int n);

    /**
     * The BF16 at byte {@code at + 2 i} of {@code dst} = {@code src[srcOff + i]} rounded to nearest
     * even (NaN stays a quiet NaN), for {@code i < n}: what {@code Elements.floatToBf16} computes
     */
    void narrowBf16(float[] src, int srcOff, MemorySegment dst, long at, int n);

    /** {@code dst[dstOff + i]} = 1 where the byte at {@code at + i} of {@code src} is not 0, else 0, for {@code i < n}: BOOL as F32 */
    void widenBool(MemorySegment src, long at, float[] dst, int dstOff, int n);

    /** The byte at {@code at + i} of {@code dst} = 1 where {@code src[srcOff + i]} is not 0 (NaN included), else 0, for {@code i < n} */
    void narrowBool(float[] src, int srcOff, MemorySegment dst, long at, int n);

    /** Loads the implementation only on first use, so the scalar path never touches the Vector API. */
    final class Holder {
        private static final RowKernels INSTANCE = Simd.BITS == 0 ? new ScalarRowKernels() : new VectorRowKernels();

        private Holder() {
        }
    }
}
