package dev.colossus.cpu.simd;

import dev.colossus.reference.Elements;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link RowKernels} in plain Java: the path when the Vector API is absent or {@code
 * colossus.cpu.vectorBits=0}, and the tails of the vector loops. The sums over arrays use interleaved accumulators, those over
 * native memory (the vector kernels' tails, the scalar path's row kernels) one.
 */
final class ScalarRowKernels implements RowKernels {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort BF16_BITS = ValueLayout.JAVA_SHORT_UNALIGNED;

    @Override
    public float sum(float[] x, int off, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += x[off + i];
            s1 += x[off + i + 1];
            s2 += x[off + i + 2];
            s3 += x[off + i + 3];
        }
        for (; i < n; i++) {
            s0 += x[off + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public float squaredDeviations(float[] x, int off, int n, float mean) {
        float s0 = 0, s1 = 0;
        int i = 0;
        for (; i + 2 <= n; i += 2) {
            float d0 = x[off + i] - mean;
            float d1 = x[off + i + 1] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
        }
        for (; i < n; i++) {
            float d = x[off + i] - mean;
            s0 += d * d;
        }
        return s0 + s1;
    }

    @Override
    public float squaredDeviations(float[] x, int off, int n, float mean, float[] linear) {
        float s = 0, l = 0;
        for (int i = 0; i < n; i++) {
            float d = x[off + i] - mean;
            s += d * d;
            l += d;
        }
        linear[0] = l;
        return s;
    }

    @Override
    public float max(float[] x, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    @Override
    public int firstIndexOf(float[] x, int n, float value) {
        return firstIndexOf(x, 0, n, value);
    }

    /** {@link #firstIndexOf} from i = from: the vector kernel's tail. */
    static int firstIndexOf(float[] x, int from, int n, float value) {
        int i = from;
        while (i < n && x[i] != value && !(Float.isNaN(value) && Float.isNaN(x[i]))) {
            i++;
        }
        return i;
    }

    @Override
    public float min(float[] x, int off, int n) {
        float m = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.min(m, x[off + i]);
        }
        return m;
    }

    @Override
    public void addInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        for (int i = 0; i < n; i++) {
            acc[accOff + i] += x[xOff + i];
        }
    }

    @Override
    public void maxInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        for (int i = 0; i < n; i++) {
            acc[accOff + i] = Math.max(acc[accOff + i], x[xOff + i]);
        }
    }

    @Override
    public void argmaxInto(float[] x, float[] best, int[] index, int row, int n) {
        argmaxInto(x, best, index, row, 0, n);
    }

    /** {@link #argmaxInto} over {@code [from, to)}: the vector kernel's tail. */
    static void argmaxInto(float[] x, float[] best, int[] index, int row, int from, int to) {
        for (int i = from; i < to; i++) {
            if (x[i] > best[i] || Float.isNaN(x[i]) && !Float.isNaN(best[i])) {
                best[i] = x[i];
                index[i] = row;
            }
        }
    }

    @Override
    public void minInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        for (int i = 0; i < n; i++) {
            acc[accOff + i] = Math.min(acc[accOff + i], x[xOff + i]);
        }
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scale(float[] x, int off, int n, float alpha) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    @Override
    public float expShifted(float[] x, int off, int n, float shift) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - shift);
            x[off + i] = e;
            sum += e;
        }
        return (float) sum;
    }

    @Override
    public void maxOfColumns(float[] x, int off, int rows, int width, float[] acc) {
        for (int r = 0; r < rows; r++) {
            maxInto(x, off + r * width, acc, 0, width);
        }
    }

    @Override
    public void expShiftedColumns(float[] x, int off, int rows, int width, float[] shift, float[] sums) {
        for (int j = 0; j < width; j++) {
            double sum = 0;
            for (int r = 0, at = off + j; r < rows; r++, at += width) {
                float e = (float) Math.exp(x[at] - shift[j]);
                x[at] = e;
                sum += e;
            }
            sums[j] = (float) sum;
        }
    }

    @Override
    public void scaleColumns(float[] x, int off, int rows, int width, float[] alpha) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                x[off + r * width + j] *= alpha[j];
            }
        }
    }

    @Override
    public float sum(MemorySegment x, long at, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += x.get(F32, at + 4L * i);
        }
        return s;
    }

    @Override
    public float squaredDeviations(MemorySegment x, long at, int n, float mean) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            float d = x.get(F32, at + 4L * i) - mean;
            s += d * d;
        }
        return s;
    }

    @Override
    public float squaredDeviations(MemorySegment x, long at, int n, float mean, float[] linear) {
        float s = 0, l = 0;
        for (int i = 0; i < n; i++) {
            float d = x.get(F32, at + 4L * i) - mean;
            s += d * d;
            l += d;
        }
        linear[0] = l;
        return s;
    }

    @Override
    public void widenBf16(MemorySegment src, long at, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.intBitsToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i) << 16);
        }
    }

    @Override
    public void narrowBf16(float[] src, int srcOff, MemorySegment dst, long at, int n) {
        for (int i = 0; i < n; i++) {
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i, Elements.floatToBf16(src[srcOff + i]));
        }
    }

    @Override
    public void widenBool(MemorySegment src, long at, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = src.get(ValueLayout.JAVA_BYTE, at + i) != 0 ? 1 : 0;
        }
    }

    @Override
    public void narrowBool(float[] src, int srcOff, MemorySegment dst, long at, int n) {
        for (int i = 0; i < n; i++) {
            dst.set(ValueLayout.JAVA_BYTE, at + i, (byte) (src[srcOff + i] != 0 ? 1 : 0));
        }
    }
}
