package dev.colossus.cpu.norm;

import dev.colossus.cpu.simd.Simd;
import java.lang.foreign.MemorySegment;

/**
 * The row kernels of softmax, log-softmax, layer norm and RMS norm: for rows in buffers, {@link
 * #normalize}; for F32 rows that lie contiguous in native memory (x at byte at, out at byte outAt), the
 * max, the shifted exponentials and the normalisation, with nothing between memory and the registers.
 * Two implementations: {@link VectorNormKernels} on the Vector API and {@link ScalarNormKernels}.
 */
public interface NormKernels {
    /** The implementation for this process's {@link Simd#BITS}. */
    static NormKernels instance() {
        return Holder.INSTANCE;
    }

    /**
     * {@code x[i] = (x[i] - shift) * factor * weight[i] + bias[i]} for {@code i < n}, weight and bias
     * optional (null).
     */
    void normalize(float[] x, int n, float shift, float factor, float[] weight, float[] bias);

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

    /** {@code sums[j] += exp(row[j] - shift[j])} for {@code shift[j] >= row[j]} (or NaN), {@code j < n}. */
    void addExpShifted(float[] row, float[] shift, float[] sums, int n);

    /** {@code row[j] = exp(row[j] - shift[j]) * scale[j]} for {@code shift[j] >= row[j]} (or NaN), {@code j < n}. */
    void expShiftedScaled(float[] row, float[] shift, float[] scale, int n);

    /** {@code row[j] = (row[j] - first[j]) - second[j]} for {@code j < n}: log-softmax across rows. */
    void subtractTwice(float[] row, float[] first, float[] second, int n);

    /** Loads the implementation only on first use, so the scalar path never touches the Vector API. */
    final class Holder {
        private static final NormKernels INSTANCE = Simd.BITS == 0 ? new ScalarNormKernels() : new VectorNormKernels();

        private Holder() {
        }
    }
}
