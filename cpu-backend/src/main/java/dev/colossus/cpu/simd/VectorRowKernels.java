package dev.colossus.cpu.simd;

import static dev.colossus.cpu.simd.NativeSegments.exact;
import static dev.colossus.cpu.simd.VectorLanes.S;
import static dev.colossus.cpu.simd.VectorLanes.INTS;
import static dev.colossus.cpu.simd.VectorLanes.L;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static dev.colossus.cpu.simd.VectorLanes.sumOfLanes;
import static dev.colossus.cpu.simd.VectorLanes.load;
import static dev.colossus.cpu.simd.VectorLanes.loadBf16;
import static dev.colossus.cpu.simd.VectorLanes.storeBf16;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.IS_NAN;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.NE;

import dev.colossus.reference.Elements;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowKernels} on the Vector API at {@link Simd#BITS}. Loops run whole vectors and hand the
 * remainder to {@link ScalarRowKernels}; reductions keep one partial result per lane and fold the
 * lanes in one fixed order ({@link VectorLanes#sumOfLanes}), so that a sum has the same bits whether
 * or not C2 has compiled its loop. Attention's exponentials alone ({@link #expShifted}) are the
 * Vector API's, for speed.
 */
final class VectorRowKernels implements RowKernels {
    private static final ScalarRowKernels SCALAR = new ScalarRowKernels();
    /** L bytes, BOOL's lanes beside S's floats; none at 128 bits, where no species holds 4 bytes (BOOL there runs scalar). */
    private static final VectorSpecies<Byte> BOOLS = L < 8 ? null : VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));

    @Override
    public float sum(float[] x, int off, int n) {
        int bound = S.loopBound(n);
        // Four accumulators: one would wait on the add's latency every vector.
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.add(FloatVector.fromArray(S, x, off + i));
            acc1 = acc1.add(FloatVector.fromArray(S, x, off + i + L));
            acc2 = acc2.add(FloatVector.fromArray(S, x, off + i + 2 * L));
            acc3 = acc3.add(FloatVector.fromArray(S, x, off + i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.add(FloatVector.fromArray(S, x, off + i));
        }
        float s = sumOfLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    @Override
    public float squaredDeviations(float[] x, int off, int n, float mean) {
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        FloatVector m = FloatVector.broadcast(S, mean);
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            FloatVector d0 = FloatVector.fromArray(S, x, off + i).sub(m);
            FloatVector d1 = FloatVector.fromArray(S, x, off + i + L).sub(m);
            FloatVector d2 = FloatVector.fromArray(S, x, off + i + 2 * L).sub(m);
            FloatVector d3 = FloatVector.fromArray(S, x, off + i + 3 * L).sub(m);
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
            acc2 = d2.fma(d2, acc2);
            acc3 = d3.fma(d3, acc3);
        }
        for (; i < bound; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, off + i).sub(m);
            acc0 = d.fma(d, acc0);
        }
        float s = sumOfLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            float d = x[off + i] - mean;
            s += d * d;
        }
        return s;
    }

    @Override
    public float squaredDeviations(float[] x, int off, int n, float mean, float[] linear) {
        int bound = S.loopBound(n);
        FloatVector squares0 = FloatVector.zero(S), squares1 = squares0, sum0 = squares0, sum1 = squares0;
        FloatVector m = FloatVector.broadcast(S, mean);
        int i = 0;
        for (; i + 2 * L <= bound; i += 2 * L) {
            FloatVector d0 = FloatVector.fromArray(S, x, off + i).sub(m);
            FloatVector d1 = FloatVector.fromArray(S, x, off + i + L).sub(m);
            squares0 = d0.fma(d0, squares0);
            squares1 = d1.fma(d1, squares1);
            sum0 = sum0.add(d0);
            sum1 = sum1.add(d1);
        }
        for (; i < bound; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, off + i).sub(m);
            squares0 = d.fma(d, squares0);
            sum0 = sum0.add(d);
        }
        float squares = sumOfLanes(squares0.add(squares1)) + SCALAR.squaredDeviations(x, off + i, n - i, mean, linear);
        linear[0] += sumOfLanes(sum0.add(sum1));
        return squares;
    }

    @Override
    public int firstIndexOf(float[] x, int n, float value) {
        int bound = S.loopBound(n);
        boolean nan = Float.isNaN(value);
        for (int i = 0; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            VectorMask<Float> found = nan ? v.test(IS_NAN) : v.eq(value);
            if (found.anyTrue()) {
                return i + found.firstTrue();
            }
        }
        return ScalarRowKernels.firstIndexOf(x, bound, n, value);
    }

    @Override
    public float max(float[] x, int off, int n) {
        int bound = S.loopBound(n);
        // Four accumulators: Java's max on lanes (NaN and -0 rules) is a chain of several instructions.
        FloatVector acc0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.lanewise(MAX, FloatVector.fromArray(S, x, off + i));
            acc1 = acc1.lanewise(MAX, FloatVector.fromArray(S, x, off + i + L));
            acc2 = acc2.lanewise(MAX, FloatVector.fromArray(S, x, off + i + 2 * L));
            acc3 = acc3.lanewise(MAX, FloatVector.fromArray(S, x, off + i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.lanewise(MAX, FloatVector.fromArray(S, x, off + i));
        }
        float m = acc0.lanewise(MAX, acc1).lanewise(MAX, acc2.lanewise(MAX, acc3)).reduceLanes(MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    @Override
    public float min(float[] x, int off, int n) {
        int bound = S.loopBound(n);
        // Four accumulators: Java's min on lanes (NaN and -0 rules) is a chain of several instructions.
        FloatVector acc0 = FloatVector.broadcast(S, Float.POSITIVE_INFINITY), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.lanewise(MIN, FloatVector.fromArray(S, x, off + i));
            acc1 = acc1.lanewise(MIN, FloatVector.fromArray(S, x, off + i + L));
            acc2 = acc2.lanewise(MIN, FloatVector.fromArray(S, x, off + i + 2 * L));
            acc3 = acc3.lanewise(MIN, FloatVector.fromArray(S, x, off + i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.lanewise(MIN, FloatVector.fromArray(S, x, off + i));
        }
        float m = acc0.lanewise(MIN, acc1).lanewise(MIN, acc2.lanewise(MIN, acc3)).reduceLanes(MIN);
        for (; i < n; i++) {
            m = Math.min(m, x[off + i]);
        }
        return m;
    }

    @Override
    public void addInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, acc, accOff + i).add(FloatVector.fromArray(S, x, xOff + i)).intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] += x[xOff + i];
        }
    }

    @Override
    public void maxInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, acc, accOff + i).lanewise(MAX, FloatVector.fromArray(S, x, xOff + i))
                    .intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] = Math.max(acc[accOff + i], x[xOff + i]);
        }
    }

    @Override
    public void argmaxInto(float[] x, float[] best, int[] index, int row, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i), b = FloatVector.fromArray(S, best, i);
            VectorMask<Float> better = v.compare(GT, b).or(v.test(IS_NAN).andNot(b.test(IS_NAN)));
            b.blend(v, better).intoArray(best, i);
            IntVector.fromArray(INTS, index, i).blend(row, better.cast(INTS)).intoArray(index, i);
        }
        ScalarRowKernels.argmaxInto(x, best, index, row, bound, n);
    }

    @Override
    public void minInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, acc, accOff + i).lanewise(MIN, FloatVector.fromArray(S, x, xOff + i))
                    .intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] = Math.min(acc[accOff + i], x[xOff + i]);
        }
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        FloatVector a = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i < bound; i += L) {
            a.fma(FloatVector.fromArray(S, x, xOff + i), FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scale(float[] x, int off, int n, float alpha) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    /**
     * The online softmax's exponentials in attention: the Vector API's {@code EXP}, whose bits differ
     * before and after C2 compiles it, since {@link VectorMath#expOfNonPositive} inlined into the
     * attention kernels' compilation made causal prefill 1.55x slower ({@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so"): attention's
     * results may move in their last bit while it is being compiled.
     */
    @Override
    public float expShifted(float[] x, int off, int n, float shift) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(S, x, off + i).sub(shift).lanewise(EXP);
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        if (i < n) {
            VectorMask<Float> tail = S.indexInRange(i, n);
            FloatVector e = FloatVector.fromArray(S, x, off + i, tail).sub(shift).lanewise(EXP);
            e.intoArray(x, off + i, tail);
            acc = acc.add(e, tail);
        }
        return sumOfLanes(acc);
    }

    @Override
    public void maxOfColumns(float[] x, int off, int rows, int width, float[] acc) {
        for (int j = 0; j < width; j += L) {
            VectorMask<Float> lanes = S.indexInRange(j, width);
            // Four accumulators, as in max: Java's max on lanes is a chain of several instructions.
            FloatVector m0 = FloatVector.fromArray(S, acc, j, lanes), m1 = m0, m2 = m0, m3 = m0;
            int r = 0, at = off + j;
            for (; r + 4 <= rows; r += 4, at += 4 * width) {
                m0 = m0.lanewise(MAX, FloatVector.fromArray(S, x, at, lanes));
                m1 = m1.lanewise(MAX, FloatVector.fromArray(S, x, at + width, lanes));
                m2 = m2.lanewise(MAX, FloatVector.fromArray(S, x, at + 2 * width, lanes));
                m3 = m3.lanewise(MAX, FloatVector.fromArray(S, x, at + 3 * width, lanes));
            }
            for (; r < rows; r++, at += width) {
                m0 = m0.lanewise(MAX, FloatVector.fromArray(S, x, at, lanes));
            }
            m0.lanewise(MAX, m1).lanewise(MAX, m2.lanewise(MAX, m3)).intoArray(acc, j, lanes);
        }
    }

    @Override
    public void expShiftedColumns(float[] x, int off, int rows, int width, float[] shift, float[] sums) {
        for (int j = 0; j < width; j += L) {
            VectorMask<Float> lanes = S.indexInRange(j, width);
            FloatVector base = FloatVector.fromArray(S, shift, j, lanes), acc = FloatVector.zero(S);
            for (int r = 0, at = off + j; r < rows; r++, at += width) {
                FloatVector e = FloatVector.fromArray(S, x, at, lanes).sub(base).lanewise(EXP);
                e.intoArray(x, at, lanes);
                acc = acc.add(e);
            }
            acc.intoArray(sums, j, lanes);
        }
    }

    @Override
    public void scaleColumns(float[] x, int off, int rows, int width, float[] alpha) {
        for (int j = 0; j < width; j += L) {
            VectorMask<Float> lanes = S.indexInRange(j, width);
            FloatVector a = FloatVector.fromArray(S, alpha, j, lanes);
            for (int r = 0, at = off + j; r < rows; r++, at += width) {
                FloatVector.fromArray(S, x, at, lanes).mul(a).intoArray(x, at, lanes);
            }
        }
    }

    @Override
    public float sum(MemorySegment x, long at, int n) {
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.add(load(x, at, i));
            acc1 = acc1.add(load(x, at, i + L));
            acc2 = acc2.add(load(x, at, i + 2 * L));
            acc3 = acc3.add(load(x, at, i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.add(load(x, at, i));
        }
        return sumOfLanes(acc0.add(acc1).add(acc2.add(acc3))) + SCALAR.sum(x, at + 4L * i, n - i);
    }

    @Override
    public float squaredDeviations(MemorySegment x, long at, int n, float mean) {
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        FloatVector m = FloatVector.broadcast(S, mean);
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            FloatVector d0 = load(x, at, i).sub(m), d1 = load(x, at, i + L).sub(m);
            FloatVector d2 = load(x, at, i + 2 * L).sub(m), d3 = load(x, at, i + 3 * L).sub(m);
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
            acc2 = d2.fma(d2, acc2);
            acc3 = d3.fma(d3, acc3);
        }
        for (; i < bound; i += L) {
            FloatVector d = load(x, at, i).sub(m);
            acc0 = d.fma(d, acc0);
        }
        return sumOfLanes(acc0.add(acc1).add(acc2.add(acc3))) + SCALAR.squaredDeviations(x, at + 4L * i, n - i, mean);
    }

    @Override
    public float squaredDeviations(MemorySegment x, long at, int n, float mean, float[] linear) {
        int bound = S.loopBound(n);
        FloatVector squares0 = FloatVector.zero(S), squares1 = squares0, sum0 = squares0, sum1 = squares0;
        FloatVector m = FloatVector.broadcast(S, mean);
        int i = 0;
        for (; i + 2 * L <= bound; i += 2 * L) {
            FloatVector d0 = load(x, at, i).sub(m), d1 = load(x, at, i + L).sub(m);
            squares0 = d0.fma(d0, squares0);
            squares1 = d1.fma(d1, squares1);
            sum0 = sum0.add(d0);
            sum1 = sum1.add(d1);
        }
        for (; i < bound; i += L) {
            FloatVector d = load(x, at, i).sub(m);
            squares0 = d.fma(d, squares0);
            sum0 = sum0.add(d);
        }
        float squares = sumOfLanes(squares0.add(squares1)) + SCALAR.squaredDeviations(x, at + 4L * i, n - i, mean, linear);
        linear[0] += sumOfLanes(sum0.add(sum1));
        return squares;
    }

    @Override
    public void widenBf16(MemorySegment src, long at, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            loadBf16(src, at + 2L * i).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Float.intBitsToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i) << 16);
        }
    }

    @Override
    public void narrowBf16(float[] src, int srcOff, MemorySegment dst, long at, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            storeBf16(FloatVector.fromArray(S, src, srcOff + i), dst, at + 2L * i);
        }
        for (; i < n; i++) {
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i, Elements.floatToBf16(src[srcOff + i]));
        }
    }

    @Override
    public void widenBool(MemorySegment src, long at, float[] dst, int dstOff, int n) {
        int i = 0;
        if (BOOLS != null) {
            FloatVector zero = FloatVector.zero(S);
            for (; i + L <= n; i += L) {
                VectorMask<Float> set = ByteVector.fromMemorySegment(BOOLS, exact(src), at + i, NATIVE).compare(NE, 0).cast(S);
                zero.blend(1, set).intoArray(dst, dstOff + i);
            }
        }
        SCALAR.widenBool(src, at + i, dst, dstOff + i, n - i);
    }

    @Override
    public void narrowBool(float[] src, int srcOff, MemorySegment dst, long at, int n) {
        int i = 0;
        if (BOOLS != null) {
            ByteVector zero = ByteVector.zero(BOOLS);
            for (; i + L <= n; i += L) {
                VectorMask<Byte> set = FloatVector.fromArray(S, src, srcOff + i).compare(NE, 0).cast(BOOLS);
                zero.blend((byte) 1, set).intoMemorySegment(exact(dst), at + i, NATIVE);
            }
        }
        SCALAR.narrowBool(src, srcOff + i, dst, at + i, n - i);
    }
}
