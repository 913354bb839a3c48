package dev.colossus.cpu;

import java.lang.foreign.MemorySegment;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;

/**
 * The F32 arithmetic every CPU kernel is built from, over runs of {@code float[]} buffers. Two
 * implementations: {@link VectorFloatKernels} on the Vector API and {@link ScalarFloatKernels}.
 * Runs passed to the reductions are short (a buffer's worth); callers combine their results in double.
 */
interface FloatKernels {
    /** The implementation for this process's {@link Simd#BITS}. */
    static FloatKernels instance() {
        return Holder.INSTANCE;
    }

    /** {@code out[i] = fn(x[i])} */
    void unary(UnaryFn fn, float[] x, float[] out, int n);

    /** {@code out[i] = fn(a[i], b[i])}; comparisons give 1 or 0 */
    void binary(BinaryFn fn, float[] a, float[] b, float[] out, int n);

    /** True for the functions {@link #arithmetic} computes: ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM. */
    static boolean isArithmetic(BinaryFn fn) {
        return switch (fn) {
            case ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM -> true;
            default -> false;
        };
    }

    /**
     * {@code out[i] = fn(a[i], b[i])} for n F32 values that lie contiguous in native memory, at byte
     * offsets {@code aAt}, {@code bAt}, {@code outAt}: no buffers between memory and the registers.
     * Only for the {@linkplain #isArithmetic arithmetic} functions.
     */
    void arithmetic(BinaryFn fn, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt, int n);

    /** {@code out[i] = condition[i] != 0 ? a[i] : b[i]} */
    void select(float[] condition, float[] a, float[] b, float[] out, int n);

    /** {@code sum_i x[off + i]} */
    float sum(float[] x, int off, int n);

    /** {@code sum_i (x[off + i] - mean)^2} */
    float squaredDeviations(float[] x, int off, int n, float mean);

    /** {@code max_i x[off + i]}, NaN if any is NaN; -Inf for n = 0 */
    float max(float[] x, int off, int n);

    /** {@code min_i x[off + i]}, NaN if any is NaN; +Inf for n = 0 */
    float min(float[] x, int off, int n);

    /** {@code acc[accOff + i] += x[xOff + i]} */
    void addInto(float[] x, int xOff, float[] acc, int accOff, int n);

    /** {@code acc[accOff + i] = max(acc[accOff + i], x[xOff + i])}, NaN-propagating */
    void maxInto(float[] x, int xOff, float[] acc, int accOff, int n);

    /** {@code acc[accOff + i] = min(acc[accOff + i], x[xOff + i])}, NaN-propagating */
    void minInto(float[] x, int xOff, float[] acc, int accOff, int n);

    /** {@code sum_i a[aOff + i] * b[bOff + i]} */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /**
     * {@code out[outOff + r * bRows + j] = sum_i a[aOff + r * n + i] * b[bOff + j * n + i]} for
     * {@code r < aRows, j < bRows}: every row of a against every row of b, in one call.
     */
    void dots(float[] a, int aOff, int aRows, float[] b, int bOff, int bRows, int n, float[] out, int outOff);

    /**
     * {@code out[outOff + r * n + c] += sum_j p[pOff + r * k + j] * v[vOff + j * n + c]} for
     * {@code r < rows, j < k, c < n}: a few rows times a matrix, each row of v read once per four rows.
     */
    void addProducts(float[] p, int pOff, int rows, int k, float[] v, int vOff, int n, float[] out, int outOff);

    /** {@code y[yOff + i] += alpha * x[xOff + i]} */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code x[off + i] *= alpha} */
    void scale(float[] x, int off, int n, float alpha);

    /** {@code x[off + i] = exp(x[off + i] - shift)}, returning the sum of the results */
    float expShifted(float[] x, int off, int n, float shift);

    /**
     * {@code x[i] = (x[i] - shift) * factor * weight[i] + bias[i]} for {@code i < n}, weight and bias
     * optional (null).
     */
    void normalize(float[] x, int n, float shift, float factor, float[] weight, float[] bias);

    /** {@code dst[dstOff + i]} = the BF16 at byte {@code at + 2 i} of {@code src}, widened to F32, for {@code i < n} */
    void widenBf16(MemorySegment src, long at, float[] dst, int dstOff, int n);

    /**
     * The BF16 at byte {@code at + 2 i} of {@code dst} = {@code src[srcOff + i]} rounded to nearest
     * even (NaN stays a quiet NaN), for {@code i < n}: what {@code Elements.floatToBf16} computes
     */
    void narrowBf16(float[] src, int srcOff, MemorySegment dst, long at, int n);

    /** Loads the implementation only on first use, so the scalar path never touches the Vector API. */
    final class Holder {
        private static final FloatKernels INSTANCE =
                Simd.BITS == 0 ? new ScalarFloatKernels() : new VectorFloatKernels();

        private Holder() {
        }
    }
}
