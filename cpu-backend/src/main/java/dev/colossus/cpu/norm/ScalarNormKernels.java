package dev.colossus.cpu.norm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link NormKernels} in plain Java: the path when the Vector API is absent or {@code
 * colossus.cpu.vectorBits=0}, and the tails of the vector loops.
 */
final class ScalarNormKernels implements NormKernels {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort BF16_BITS = ValueLayout.JAVA_SHORT_UNALIGNED;

    @Override
    public void normalize(float[] x, int n, float shift, float factor, float[] weight, float[] bias) {
        normalize(x, 0, n, shift, factor, weight, bias);
    }

    /** {@link #normalize} over {@code [from, to)}: the vector kernels' tail. */
    static void normalize(float[] x, int from, int to, float shift, float factor, float[] weight, float[] bias) {
        for (int i = from; i < to; i++) {
            float y = (x[i] - shift) * factor;
            if (weight != null) {
                y *= weight[i];
            }
            if (bias != null) {
                y += bias[i];
            }
            x[i] = y;
        }
    }

    @Override
    public float max(MemorySegment x, long at, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, x.get(F32, at + 4L * i));
        }
        return m;
    }

    @Override
    public float expShiftedNextMax(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, long next,
            float[] nextMax) {
        nextMax[0] = max(x, next, n);
        return expShifted(x, at, out, outAt, 0, n, shift);
    }

    @Override
    public float shiftExpSumNextMax(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, long next,
            float[] nextMax) {
        nextMax[0] = max(x, next, n);
        return shiftExpSum(x, at, out, outAt, 0, n, shift);
    }

    /** {@link #shiftExpSumNextMax}'s shift and sum over {@code [from, to)}: the vector kernel's tail. */
    static float shiftExpSum(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to, float shift) {
        float s = 0;
        for (int i = from; i < to; i++) {
            float d = x.get(F32, at + 4L * i) - shift;
            out.set(F32, outAt + 4L * i, d);
            s += (float) Math.exp(d);
        }
        return s;
    }

    /** {@link #expShiftedNextMax}'s exponentials over {@code [from, to)}: the vector kernel's tail. */
    static float expShifted(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to, float shift) {
        float s = 0;
        for (int i = from; i < to; i++) {
            float e = (float) Math.exp(x.get(F32, at + 4L * i) - shift);
            out.set(F32, outAt + 4L * i, e);
            s += e;
        }
        return s;
    }

    @Override
    public void scale(MemorySegment x, long at, int n, float alpha) {
        for (int i = 0; i < n; i++) {
            x.set(F32, at + 4L * i, x.get(F32, at + 4L * i) * alpha);
        }
    }

    @Override
    public void normalize(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, float factor, float[] weight,
            float[] bias) {
        normalize(x, at, out, outAt, 0, n, shift, factor, weight, bias);
    }

    /** {@link #normalize} over {@code [from, to)}: the vector kernel's tail. */
    static void normalize(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to, float shift, float factor,
            float[] weight, float[] bias) {
        for (int i = from; i < to; i++) {
            float y = (x.get(F32, at + 4L * i) - shift) * factor;
            if (weight != null) {
                y *= weight[i];
            }
            if (bias != null) {
                y += bias[i];
            }
            out.set(F32, outAt + 4L * i, y);
        }
    }

    @Override
    public void addExpShifted(float[] row, float[] shift, float[] sums, int n) {
        addExpShifted(row, shift, sums, 0, n);
    }

    /** {@link #addExpShifted} over {@code [from, to)}: the vector kernel's tail. */
    static void addExpShifted(float[] row, float[] shift, float[] sums, int from, int to) {
        for (int j = from; j < to; j++) {
            sums[j] += (float) Math.exp(row[j] - shift[j]);
        }
    }

    @Override
    public void expShiftedScaled(float[] row, float[] shift, float[] scale, int n) {
        expShiftedScaled(row, shift, scale, 0, n);
    }

    /** {@link #expShiftedScaled} over {@code [from, to)}: the vector kernel's tail. */
    static void expShiftedScaled(float[] row, float[] shift, float[] scale, int from, int to) {
        for (int j = from; j < to; j++) {
            row[j] = (float) Math.exp(row[j] - shift[j]) * scale[j];
        }
    }

    @Override
    public void subtractTwice(float[] row, float[] first, float[] second, int n) {
        subtractTwice(row, first, second, 0, n);
    }

    /** {@link #subtractTwice} over {@code [from, to)}: the vector kernel's tail. */
    static void subtractTwice(float[] row, float[] first, float[] second, int from, int to) {
        for (int j = from; j < to; j++) {
            row[j] = (row[j] - first[j]) - second[j];
        }
    }
}
