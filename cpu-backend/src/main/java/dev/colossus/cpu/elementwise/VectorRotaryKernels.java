package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.VectorLanes.L;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static dev.colossus.cpu.simd.VectorLanes.S;
import static dev.colossus.cpu.simd.VectorLanes.loadBf16;
import static dev.colossus.cpu.simd.VectorLanes.storeBf16;

import dev.colossus.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * {@link RotaryKernels} on the Vector API. Rotate-half rows load a, b, cos and sin as they lie. An
 * interleaved row is taken 2L values (L pairs) at a time: lanes hold {@code a0 b0 a1 b1 ...}; cos and
 * sin, L pairs' worth, are spread to {@code c0 c0 c1 c1 ...} by a permute, each value's partner comes
 * from swapping neighbouring lanes, and sin is negated on the even lanes, so one product-and-sum
 * {@code v cos + swap(v) sin'} gives both halves of every pair.
 */
final class VectorRotaryKernels implements RotaryKernels {
    private static final VectorShuffle<Float> SWAP = VectorShuffle.fromOp(S, i -> i ^ 1);
    private static final VectorShuffle<Float> SPREAD_LOW = VectorShuffle.fromOp(S, i -> i / 2);
    private static final VectorShuffle<Float> SPREAD_HIGH = VectorShuffle.fromOp(S, i -> L / 2 + i / 2);
    private static final VectorMask<Float> EVEN = VectorMask.fromLong(S, 0x5555_5555_5555_5555L);

    @Override
    public void rotate(float[] a, float[] b, float[] cos, float[] sin, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, i), y = FloatVector.fromArray(S, b, i);
            FloatVector c = FloatVector.fromArray(S, cos, i), s = FloatVector.fromArray(S, sin, i);
            x.mul(c).sub(y.mul(s)).intoArray(a, i);
            y.mul(c).add(x.mul(s)).intoArray(b, i);
        }
        ScalarRotaryKernels.rotate(a, b, cos, sin, bound, n);
    }

    /*
     * A method per dtype and pairing: C2 compiles each loop nest on its own.
     */
    @Override
    public void rotateRows(DType dtype, boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs) {
        int bound = S.loopBound(pairs);
        if (dtype == DType.BF16) {
            if (interleaved) {
                pairsBf16(x, out, cos, sin, rows, pairs, bound);
            } else {
                halvesBf16(x, out, cos, sin, rows, pairs, bound);
            }
        } else if (interleaved) {
            pairsF32(x, out, cos, sin, rows, pairs, bound);
        } else {
            halvesF32(x, out, cos, sin, rows, pairs, bound);
        }
        if (bound < pairs) {
            for (int r = 0; r < rows; r++) {
                ScalarRotaryKernels.rotateRow(dtype, interleaved, x, out, cos, sin, r, pairs, bound);
            }
        }
    }

    private static void halvesF32(Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs, int bound) {
        long half = 4L * pairs;
        MemorySegment xs = x.memory(), os = out.memory();
        for (int r = 0; r < rows; r++) {
            long xAt = x.row(r), outAt = out.row(r);
            for (int i = 0; i < bound; i += L) {
                FloatVector a = FloatVector.fromMemorySegment(S, xs, xAt + 4L * i, NATIVE);
                FloatVector b = FloatVector.fromMemorySegment(S, xs, xAt + half + 4L * i, NATIVE);
                FloatVector c = FloatVector.fromArray(S, cos, r * pairs + i), s = FloatVector.fromArray(S, sin, r * pairs + i);
                a.mul(c).sub(b.mul(s)).intoMemorySegment(os, outAt + 4L * i, NATIVE);
                b.mul(c).add(a.mul(s)).intoMemorySegment(os, outAt + half + 4L * i, NATIVE);
            }
        }
    }

    private static void halvesBf16(Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs, int bound) {
        long half = 2L * pairs;
        MemorySegment xs = x.memory(), os = out.memory();
        for (int r = 0; r < rows; r++) {
            long xAt = x.row(r), outAt = out.row(r);
            for (int i = 0; i < bound; i += L) {
                FloatVector a = loadBf16(xs, xAt + 2L * i), b = loadBf16(xs, xAt + half + 2L * i);
                FloatVector c = FloatVector.fromArray(S, cos, r * pairs + i), s = FloatVector.fromArray(S, sin, r * pairs + i);
                storeBf16(a.mul(c).sub(b.mul(s)), os, outAt + 2L * i);
                storeBf16(b.mul(c).add(a.mul(s)), os, outAt + half + 2L * i);
            }
        }
    }

    private static void pairsF32(Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs, int bound) {
        MemorySegment xs = x.memory(), os = out.memory();
        for (int r = 0; r < rows; r++) {
            long xAt = x.row(r), outAt = out.row(r);
            for (int p = 0; p < bound; p += L) {
                FloatVector c = FloatVector.fromArray(S, cos, r * pairs + p), s = FloatVector.fromArray(S, sin, r * pairs + p);
                FloatVector low = FloatVector.fromMemorySegment(S, xs, xAt + 8L * p, NATIVE);
                FloatVector high = FloatVector.fromMemorySegment(S, xs, xAt + 8L * p + 4L * L, NATIVE);
                turn(low, c.rearrange(SPREAD_LOW), s.rearrange(SPREAD_LOW)).intoMemorySegment(os, outAt + 8L * p, NATIVE);
                turn(high, c.rearrange(SPREAD_HIGH), s.rearrange(SPREAD_HIGH)).intoMemorySegment(os, outAt + 8L * p + 4L * L, NATIVE);
            }
        }
    }

    private static void pairsBf16(Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs, int bound) {
        MemorySegment xs = x.memory(), os = out.memory();
        for (int r = 0; r < rows; r++) {
            long xAt = x.row(r), outAt = out.row(r);
            for (int p = 0; p < bound; p += L) {
                FloatVector c = FloatVector.fromArray(S, cos, r * pairs + p), s = FloatVector.fromArray(S, sin, r * pairs + p);
                FloatVector low = loadBf16(xs, xAt + 4L * p), high = loadBf16(xs, xAt + 4L * p + 2L * L);
                storeBf16(turn(low, c.rearrange(SPREAD_LOW), s.rearrange(SPREAD_LOW)), os, outAt + 4L * p);
                storeBf16(turn(high, c.rearrange(SPREAD_HIGH), s.rearrange(SPREAD_HIGH)), os, outAt + 4L * p + 2L * L);
            }
        }
    }

    /** {@code v cos + swap(v) sin'} with sin' = -sin on the even lanes: {@code a c - b s} there, {@code b c + a s} on the odd. */
    private static FloatVector turn(FloatVector v, FloatVector c, FloatVector s) {
        return v.mul(c).add(v.rearrange(SWAP).mul(s.blend(s.neg(), EVEN)));
    }
}
