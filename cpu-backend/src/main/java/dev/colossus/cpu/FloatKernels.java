package dev.colossus.cpu;

import dev.colossus.DType;
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

    /**
     * True for the functions {@link #directUnary} computes on {@code dtype}: NEG, ABS, RELU (a lane-wise
     * instruction or two), and on F32 EXP, SIGMOID, SILU, GELU (on {@link VectorMath#exp}). On BF16 the
     * widening and rounding around {@link VectorMath#exp} took C2 past its node limit: silu ran slower
     * than through buffers.
     */
    static boolean isDirect(UnaryFn fn, DType dtype) {
        return switch (fn) {
            case NEG, ABS, RELU -> true;
            case EXP, SIGMOID, SILU, GELU -> dtype == DType.F32;
            default -> false;
        };
    }

    /**
     * {@code out[i] = fn(x[i])} for n values of {@code dtype}, F32 or BF16 (computed in F32, rounded
     * back to nearest even), contiguous in native memory at byte offsets {@code at} and {@code outAt}:
     * no buffers between memory and the registers, which for these functions cost more than the
     * function. Only for the {@linkplain #isDirect direct} functions.
     */
    void directUnary(UnaryFn fn, DType dtype, MemorySegment x, long at, MemorySegment out, long outAt, int n);

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
     * {@code out[i] = fn(a[i], b[i])} for n values of {@code dtype}, F32 or BF16 (computed in F32, the
     * result rounded to nearest even), that lie contiguous in native memory at byte offsets {@code
     * aAt}, {@code bAt}, {@code outAt}: no buffers between memory and the registers. Only for the
     * {@linkplain #isArithmetic arithmetic} functions.
     */
    void arithmetic(BinaryFn fn, DType dtype, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt,
            int n);

    /** {@code out[i] = condition[i] != 0 ? a[i] : b[i]} */
    void select(float[] condition, float[] a, float[] b, float[] out, int n);

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

    /** {@code min_i x[off + i]}, NaN if any is NaN; +Inf for n = 0 */
    float min(float[] x, int off, int n);

    /** {@code acc[accOff + i] += x[xOff + i]} */
    void addInto(float[] x, int xOff, float[] acc, int accOff, int n);

    /** {@code acc[accOff + i] = max(acc[accOff + i], x[xOff + i])}, NaN-propagating */
    void maxInto(float[] x, int xOff, float[] acc, int accOff, int n);

    /** {@code acc[accOff + i] = min(acc[accOff + i], x[xOff + i])}, NaN-propagating */
    void minInto(float[] x, int xOff, float[] acc, int accOff, int n);

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

    /*
     * The row kernels of softmax and the norms again, for F32 rows that lie contiguous in native memory
     * (x at byte at, out at byte outAt): nothing between memory and the registers.
     */

    /** {@code sum_i x[i]} */
    float sum(MemorySegment x, long at, int n);

    /** {@code sum_i (x[i] - mean)^2} */
    float squaredDeviations(MemorySegment x, long at, int n, float mean);

    /** {@code sum_i (x[i] - mean)^2}, and {@code linear[0] = sum_i (x[i] - mean)}, over the n floats at byte {@code at}. */
    float squaredDeviations(MemorySegment x, long at, int n, float mean, float[] linear);

    /** {@code max_i x[i]}, NaN if any is NaN; -Inf for n = 0 */
    float max(MemorySegment x, long at, int n);

    /**
     * {@code out[i] = exp(x[i] - shift)} for {@code shift >= max_i x[i]} (or NaN), returning the sum
     * of the results, and in the same pass {@code nextMax[0] = max_i x[next + i]} over the n floats at
     * byte {@code next} (as {@link #max}, except that a NaN may be left out: its own exponential makes
     * the sum NaN): softmax's next row, brought in from memory under this row's exponentials instead
     * of in a pass of its own.
     */
    float expShiftedNextMax(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, long next, float[] nextMax);

    /**
     * {@code out[i] = x[i] - shift} for {@code shift >= max_i x[i]} (or NaN), returning {@code sum_i
     * exp(out[i])}, and in the same pass {@code nextMax[0] = max_i x[next + i]} (as {@link
     * #expShiftedNextMax}): log-softmax's pass over a row, which keeps no exponential; {@link
     * #normalize} in place then subtracts {@code log(sum)}.
     */
    float shiftExpSumNextMax(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, long next, float[] nextMax);

    /** {@code x[i] *= alpha} */
    void scale(MemorySegment x, long at, int n, float alpha);

    /** {@code out[i] = (x[i] - shift) * factor * weight[i] + bias[i]}, weight and bias optional (null) */
    void normalize(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, float factor, float[] weight,
            float[] bias);

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
