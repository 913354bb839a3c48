package dev.colossus.cpu;

import dev.colossus.DType;
import dev.colossus.op.BinaryFn;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import dev.colossus.op.UnaryFn;
import dev.colossus.reference.Elements;
import dev.colossus.reference.ReferenceMath;

/**
 * {@link FloatKernels} in plain Java: the path when the Vector API is absent or
 * {@code colossus.cpu.vectorBits=0}, and the tails of the vector loops. Functions are evaluated in
 * double by {@link ReferenceMath} and rounded once; the sums over arrays use interleaved accumulators,
 * those over native memory (the vector kernels' tails, the scalar path's row kernels) one.
 */
final class ScalarFloatKernels implements FloatKernels {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort BF16_BITS = ValueLayout.JAVA_SHORT_UNALIGNED;


    @Override
    public void unary(UnaryFn fn, float[] x, float[] out, int n) {
        unary(fn, x, out, 0, n);
    }

    /** {@link #unary} over {@code [from, to)}: the vector kernels' tail. */
    static void unary(UnaryFn fn, float[] x, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = (float) ReferenceMath.unary(fn, x[i]);
        }
    }

    @Override
    public void directUnary(UnaryFn fn, DType dtype, MemorySegment x, long at, MemorySegment out, long outAt, int n) {
        directUnary(fn, dtype, x, at, out, outAt, 0, n);
    }

    /** {@link #directUnary} over elements {@code [from, to)}: the vector kernel's tail. */
    static void directUnary(UnaryFn fn, DType dtype, MemorySegment x, long at, MemorySegment out, long outAt, int from, int to) {
        if (!FloatKernels.isDirect(fn, dtype)) {
            throw new IllegalArgumentException(fn.apiName() + " is not a direct unary function");
        }
        for (int i = from; i < to; i++) {
            set(dtype, out, outAt, i, (float) ReferenceMath.unary(fn, get(dtype, x, at, i)));
        }
    }

    @Override
    public void binary(BinaryFn fn, float[] a, float[] b, float[] out, int n) {
        binary(fn, a, b, out, 0, n);
    }

    @Override
    public void arithmetic(BinaryFn fn, DType dtype, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out,
            long outAt, int n) {
        arithmetic(fn, dtype, a, aAt, b, bAt, out, outAt, 0, n);
    }

    /** {@link #arithmetic} over elements {@code [from, to)}: the vector kernel's tail. */
    static void arithmetic(BinaryFn fn, DType dtype, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out,
                           long outAt, int from, int to) {
        for (int i = from; i < to; i++) {
            float x = get(dtype, a, aAt, i), y = get(dtype, b, bAt, i);
            set(dtype, out, outAt, i, switch (fn) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> x / y;
                case MAXIMUM -> Math.max(x, y);
                case MINIMUM -> Math.min(x, y);
                default -> throw new IllegalArgumentException(fn.apiName() + " is not arithmetic");
            });
        }
    }

    /** Element i of an F32 or BF16 run at byte {@code at}. */
    private static float get(DType dtype, MemorySegment m, long at, int i) {
        return dtype == DType.BF16 ? Float.intBitsToFloat(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i) << 16)
                : m.get(F32, at + 4L * i);
    }

    private static void set(DType dtype, MemorySegment m, long at, int i, float value) {
        if (dtype == DType.BF16) {
            m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i, Elements.floatToBf16(value));
        } else {
            m.set(F32, at + 4L * i, value);
        }
    }

    /** {@link #binary} over {@code [from, to)}: the vector kernels' tail. */
    static void binary(BinaryFn fn, float[] a, float[] b, float[] out, int from, int to) {
        switch (fn) {
            case ADD -> {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] + b[i];
                }
            }
            case SUB -> {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] - b[i];
                }
            }
            case MUL -> {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] * b[i];
                }
            }
            case DIV -> {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] / b[i];
                }
            }
            default -> {
                for (int i = from; i < to; i++) {
                    out[i] = (float) ReferenceMath.binary(fn, a[i], b[i]);
                }
            }
        }
    }

    @Override
    public void select(float[] condition, float[] a, float[] b, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = condition[i] != 0 ? a[i] : b[i];
        }
    }

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
    public void minInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        for (int i = 0; i < n; i++) {
            acc[accOff + i] = Math.min(acc[accOff + i], x[xOff + i]);
        }
    }

    @Override
    public void dots(float[] q, int rows, int d, MemorySegment k, long at, long rowBytes, DType dtype, int keys, float[] out) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < keys; j++) {
                float s0 = 0, s1 = 0;
                int i = 0;
                for (; i + 2 <= d; i += 2) {
                    s0 += q[r * d + i] * element(k, at + j * rowBytes, i, dtype);
                    s1 += q[r * d + i + 1] * element(k, at + j * rowBytes, i + 1, dtype);
                }
                for (; i < d; i++) {
                    s0 += q[r * d + i] * element(k, at + j * rowBytes, i, dtype);
                }
                out[r * keys + j] = s0 + s1;
            }
        }
    }

    @Override
    public void addProducts(float[] p, int rows, int keys, MemorySegment v, long at, long rowBytes, DType dtype, int d, float[] out) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < keys; j++) {
                for (int c = 0; c < d; c++) {
                    out[r * d + c] += p[r * keys + j] * element(v, at + j * rowBytes, c, dtype);
                }
            }
        }
    }

    /** Element i of the F32 or BF16 row at byte {@code row} of m. */
    static float element(MemorySegment m, long row, int i, DType dtype) {
        return dtype == DType.BF16 ? Float.intBitsToFloat(m.get(BF16_BITS, row + 2L * i) << 16) : m.get(F32, row + 4L * i);
    }

    @Override
    public void toPairOrder(float[] x, int off, int n) {
    }

    @Override
    public void fromPairOrder(float[] x, int off, int n) {
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
}
