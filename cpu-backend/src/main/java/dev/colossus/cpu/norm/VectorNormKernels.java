package dev.colossus.cpu.norm;

import static dev.colossus.cpu.simd.NativeSegments.exact;
import static dev.colossus.cpu.simd.VectorLanes.L;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static dev.colossus.cpu.simd.VectorLanes.S;
import static dev.colossus.cpu.simd.VectorLanes.load;
import static dev.colossus.cpu.simd.VectorLanes.runningMax;
import static dev.colossus.cpu.simd.VectorLanes.sumOfLanes;
import static jdk.incubator.vector.VectorOperators.MAX;

import dev.colossus.cpu.simd.Simd;
import dev.colossus.cpu.simd.VectorMath;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * {@link NormKernels} on the Vector API at {@link Simd#BITS}. Loops run whole vectors and hand the
 * remainder to {@link ScalarNormKernels}.
 */
final class VectorNormKernels implements NormKernels {
    private static final ScalarNormKernels SCALAR = new ScalarNormKernels();

    @Override
    public void normalize(float[] x, int n, float shift, float factor, float[] weight, float[] bias) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector y = FloatVector.fromArray(S, x, i).sub(shift).mul(factor);
            if (weight != null) {
                y = y.mul(FloatVector.fromArray(S, weight, i));
            }
            if (bias != null) {
                y = y.add(FloatVector.fromArray(S, bias, i));
            }
            y.intoArray(x, i);
        }
        ScalarNormKernels.normalize(x, bound, n, shift, factor, weight, bias);
    }

    @Override
    public float max(MemorySegment x, long at, int n) {
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.lanewise(MAX, load(x, at, i));
            acc1 = acc1.lanewise(MAX, load(x, at, i + L));
            acc2 = acc2.lanewise(MAX, load(x, at, i + 2 * L));
            acc3 = acc3.lanewise(MAX, load(x, at, i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.lanewise(MAX, load(x, at, i));
        }
        float m = acc0.lanewise(MAX, acc1).lanewise(MAX, acc2.lanewise(MAX, acc3)).reduceLanes(MAX);
        return Math.max(m, SCALAR.max(x, at + 4L * i, n - i));
    }

    /** Softmax's exponentials: {@link VectorMath#expOfNonPositive}, a loop of its own (see there). */
    @Override
    public float expShiftedNextMax(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, long next,
            float[] nextMax) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < bound; i += L) {
            max = runningMax(max, load(x, next, i));
            FloatVector e = VectorMath.expOfNonPositive(load(x, at, i).sub(shift));
            e.intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
            acc = acc.add(e);
        }
        nextMax[0] = Math.max(max.reduceLanes(MAX), SCALAR.max(x, next + 4L * bound, n - bound));
        return sumOfLanes(acc) + ScalarNormKernels.expShifted(x, at, out, outAt, bound, n, shift);
    }

    @Override
    public float shiftExpSumNextMax(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, long next,
            float[] nextMax) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < bound; i += L) {
            max = runningMax(max, load(x, next, i));
            FloatVector d = load(x, at, i).sub(shift);
            d.intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
            acc = acc.add(VectorMath.expOfNonPositive(d));
        }
        nextMax[0] = Math.max(max.reduceLanes(MAX), SCALAR.max(x, next + 4L * bound, n - bound));
        return sumOfLanes(acc) + ScalarNormKernels.shiftExpSum(x, at, out, outAt, bound, n, shift);
    }

    @Override
    public void scale(MemorySegment x, long at, int n, float alpha) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            load(x, at, i).mul(alpha).intoMemorySegment(exact(x), at + 4L * i, NATIVE);
        }
        SCALAR.scale(x, at + 4L * bound, n - bound, alpha);
    }

    @Override
    public void normalize(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, float factor, float[] weight,
            float[] bias) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector y = load(x, at, i).sub(shift).mul(factor);
            if (weight != null) {
                y = y.mul(FloatVector.fromArray(S, weight, i));
            }
            if (bias != null) {
                y = y.add(FloatVector.fromArray(S, bias, i));
            }
            y.intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
        ScalarNormKernels.normalize(x, at, out, outAt, bound, n, shift, factor, weight, bias);
    }

    @Override
    public void addExpShifted(float[] row, float[] shift, float[] sums, int n) {
        int bound = S.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            FloatVector e = VectorMath.expOfNonPositive(FloatVector.fromArray(S, row, j).sub(FloatVector.fromArray(S, shift, j)));
            FloatVector.fromArray(S, sums, j).add(e).intoArray(sums, j);
        }
        ScalarNormKernels.addExpShifted(row, shift, sums, bound, n);
    }

    @Override
    public void expShiftedScaled(float[] row, float[] shift, float[] scale, int n) {
        int bound = S.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            FloatVector e = VectorMath.expOfNonPositive(FloatVector.fromArray(S, row, j).sub(FloatVector.fromArray(S, shift, j)));
            e.mul(FloatVector.fromArray(S, scale, j)).intoArray(row, j);
        }
        ScalarNormKernels.expShiftedScaled(row, shift, scale, bound, n);
    }

    @Override
    public void subtractTwice(float[] row, float[] first, float[] second, int n) {
        int bound = S.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            FloatVector.fromArray(S, row, j).sub(FloatVector.fromArray(S, first, j)).sub(FloatVector.fromArray(S, second, j))
                    .intoArray(row, j);
        }
        ScalarNormKernels.subtractTwice(row, first, second, bound, n);
    }
}
