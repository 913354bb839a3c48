package dev.colossus.cpu.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Sums of a block of floats and of their squared deviations, taken with vector lanes in F32 and, where
 * that overflows (a block's sum past 3.4e38, a square of |x| past 1.8e19), again in double, so that a
 * mean, a variance or a norm of large but finite values comes out finite, as its definition in double
 * does. Where the inputs hold an infinity or NaN, the double sum holds it too. The F32 kernels' results
 * are used wherever they are finite: the fallback costs nothing on ordinary values.
 */
public final class WideSums {
    private static final RowKernels ROWS = RowKernels.instance();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private WideSums() {
    }

    /** {@code sum_i x[off + i]}, {@code i < n}. */
    public static double sum(float[] x, int off, int n) {
        float fast = ROWS.sum(x, off, n);
        if (Float.isFinite(fast)) {
            return fast;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[off + i];
        }
        return sum;
    }

    /** {@code sum_i x[i]} over the n floats at byte {@code at}. */
    public static double sum(MemorySegment x, long at, int n) {
        float fast = ROWS.sum(x, at, n);
        if (Float.isFinite(fast)) {
            return fast;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x.get(F32, at + 4L * i);
        }
        return sum;
    }

    /** {@code sum_i (x[off + i] - mean)^2}, {@code i < n}. */
    public static double squaredDeviations(float[] x, int off, int n, float mean) {
        float fast = ROWS.squaredDeviations(x, off, n, mean);
        if (Float.isFinite(fast)) {
            return fast;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) x[off + i] - mean;
            sum += d * d;
        }
        return sum;
    }

    /** {@code sum_i (x[i] - mean)^2} over the n floats at byte {@code at}. */
    public static double squaredDeviations(MemorySegment x, long at, int n, float mean) {
        float fast = ROWS.squaredDeviations(x, at, n, mean);
        if (Float.isFinite(fast)) {
            return fast;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) x.get(F32, at + 4L * i) - mean;
            sum += d * d;
        }
        return sum;
    }

    /** {@code sum_i (x[off + i] - mean)^2}, {@code i < n}, adding {@code sum_i (x[off + i] - mean)} to {@code linear[0]}. */
    public static double squaredDeviations(float[] x, int off, int n, float mean, double[] linear) {
        float[] fastLinear = new float[1];
        float fast = ROWS.squaredDeviations(x, off, n, mean, fastLinear);
        if (Float.isFinite(fast) && Float.isFinite(fastLinear[0])) {
            linear[0] += fastLinear[0];
            return fast;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) x[off + i] - mean;
            sum += d * d;
            linear[0] += d;
        }
        return sum;
    }

    /** As above over the n floats at byte {@code at}. */
    public static double squaredDeviations(MemorySegment x, long at, int n, float mean, double[] linear) {
        float[] fastLinear = new float[1];
        float fast = ROWS.squaredDeviations(x, at, n, mean, fastLinear);
        if (Float.isFinite(fast) && Float.isFinite(fastLinear[0])) {
            linear[0] += fastLinear[0];
            return fast;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) x.get(F32, at + 4L * i) - mean;
            sum += d * d;
            linear[0] += d;
        }
        return sum;
    }
}
