package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.VectorLanes.L;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static dev.colossus.cpu.simd.VectorLanes.S;
import static dev.colossus.cpu.simd.VectorLanes.highBf16;
import static dev.colossus.cpu.simd.VectorLanes.loadBf16;
import static dev.colossus.cpu.simd.VectorLanes.loadBf16Pairs;
import static dev.colossus.cpu.simd.VectorLanes.lowBf16;
import static dev.colossus.cpu.simd.VectorLanes.storeBf16Arithmetic;
import static dev.colossus.cpu.simd.VectorLanes.storeBf16PairsArithmetic;

import dev.colossus.DType;
import dev.colossus.cpu.simd.VectorLanes;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * {@link RotaryKernels} on the Vector API. Rotate-half: a vector of first members a and the vector of
 * their partners b, half a row on, give {@code a cos - b sin} and {@code b cos + a sin}. Interleaved
 * F32: {@code v cos + swap(v) sin} with the angles spread over the row, {@code c c} and {@code -s s} a
 * pair, the partners by swapping neighbouring lanes. Interleaved BF16: a pair is one int lane ({@link
 * VectorLanes#loadBf16Pairs}), a and b its halves, widened by a shift and a mask, rounded back into
 * one lane: no vector changes shape, and the angles stay one a pair.
 */
final class VectorRotaryKernels implements RotaryKernels {
    private static final VectorShuffle<Float> SWAP = VectorShuffle.fromOp(S, i -> i ^ 1);

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

    @Override
    public int angleWidth(DType dtype, boolean interleaved, int pairs) {
        return spread(dtype, interleaved, pairs) ? 2 * pairs : pairs;
    }

    /** F32 interleaved rows a whole number of vectors wide: their angles spread, {@code c c} and {@code -s s} a pair. */
    private static boolean spread(DType dtype, boolean interleaved, int pairs) {
        return dtype == DType.F32 && interleaved && 2 * pairs % L == 0;
    }

    @Override
    public void layAngles(DType dtype, boolean interleaved, float[] cos, float[] sin, float[] rowCos, float[] rowSin, int at, int pairs) {
        if (spread(dtype, interleaved, pairs)) {
            for (int p = 0; p < pairs; p++) {
                rowCos[at + 2 * p] = cos[p];
                rowCos[at + 2 * p + 1] = cos[p];
                rowSin[at + 2 * p] = -sin[p];
                rowSin[at + 2 * p + 1] = sin[p];
            }
            return;
        }
        System.arraycopy(cos, 0, rowCos, at, pairs);
        System.arraycopy(sin, 0, rowSin, at, pairs);
    }

    /*
     * Rows that lie back to back go through one loop over all their vectors where the pairing allows
     * (interleaved): a loop per row of 64 pairs ran in C2's pre- and post-loops, a range check on every
     * access, at 0.46 of the copy's rate against 0.6 in one loop. Rotate-half's loop steps from row to
     * row itself ({@link #halvesF32}). A method per dtype and pairing: C2 compiles each on its own.
     */
    @Override
    public void rotateRows(DType dtype, boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs) {
        int bound;
        if (!interleaved) {
            bound = S.loopBound(pairs);
            if (dtype == DType.BF16) {
                halvesBf16(x, out, cos, sin, rows, pairs, bound);
            } else {
                halvesF32(x, out, cos, sin, rows, pairs, bound);
            }
        } else {
            int lanes = dtype == DType.BF16 ? L : L / 2;
            bound = dtype == DType.BF16 || spread(dtype, true, pairs) ? pairs - pairs % lanes : 0;
            long rowBytes = 2L * pairs * dtype.byteSize();
            boolean backToBack = bound == pairs && x.step() == rowBytes && out.step() == rowBytes;
            for (int r = 0; bound > 0 && r < (backToBack ? 1 : rows); r++) {
                int count = backToBack ? rows * pairs : bound;
                if (dtype == DType.BF16) {
                    pairsBf16(x.memory(), x.row(r), out.memory(), out.row(r), cos, sin, r * pairs, count);
                } else {
                    pairsF32(x.memory(), x.row(r), out.memory(), out.row(r), cos, sin, 2 * r * pairs, 2 * count);
                }
            }
        }
        for (int r = 0; bound < pairs && r < rows; r++) {
            ScalarRotaryKernels.rotateRow(dtype, interleaved, x, out, cos, sin, r, pairs, bound);
        }
    }

    /**
     * {@code out[i] = a cos - b sin} and {@code out[i + pairs] = b cos + a sin}: one loop over every
     * row's vectors, the next row's offsets taken at each row's end: a loop a row of 64 pairs spent its
     * time in C2's pre- and post-loops (BF16 rows in L1: 14 GB/s, against 19 in one loop).
     */
    private static void halvesF32(Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs, int bound) {
        long half = 4L * pairs, xAt = x.at(), outAt = out.at();
        MemorySegment xs = x.memory(), os = out.memory();
        for (int v = 0, vectors = rows * (bound / L), i = 0, angles = 0; v < vectors; v++) {
            FloatVector a = FloatVector.fromMemorySegment(S, xs, xAt + 4L * i, NATIVE);
            FloatVector b = FloatVector.fromMemorySegment(S, xs, xAt + half + 4L * i, NATIVE);
            FloatVector c = FloatVector.fromArray(S, cos, angles + i), s = FloatVector.fromArray(S, sin, angles + i);
            a.mul(c).sub(b.mul(s)).intoMemorySegment(os, outAt + 4L * i, NATIVE);
            b.mul(c).add(a.mul(s)).intoMemorySegment(os, outAt + half + 4L * i, NATIVE);
            i += L;
            if (i == bound) {
                i = 0;
                angles += pairs;
                xAt += x.step();
                outAt += out.step();
            }
        }
    }

    /**
     * As {@link #halvesF32}, each value widened to F32 and rounded back with no test for NaN ({@link
     * dev.colossus.cpu.simd.VectorLanes#storeBf16Arithmetic}): x, cos and sin are all BF16 (the op
     * asks one dtype), so every NaN here has its low 16 bits zero.
     */
    private static void halvesBf16(Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs, int bound) {
        long half = 2L * pairs, xAt = x.at(), outAt = out.at();
        MemorySegment xs = x.memory(), os = out.memory();
        for (int v = 0, vectors = rows * (bound / L), i = 0, angles = 0; v < vectors; v++) {
            FloatVector a = loadBf16(xs, xAt + 2L * i), b = loadBf16(xs, xAt + half + 2L * i);
            FloatVector c = FloatVector.fromArray(S, cos, angles + i), s = FloatVector.fromArray(S, sin, angles + i);
            storeBf16Arithmetic(a.mul(c).sub(b.mul(s)), os, outAt + 2L * i);
            storeBf16Arithmetic(b.mul(c).add(a.mul(s)), os, outAt + half + 2L * i);
            i += L;
            if (i == bound) {
                i = 0;
                angles += pairs;
                xAt += x.step();
                outAt += out.step();
            }
        }
    }

    /** {@code out[j] = x[j] cos[j] + x[j ^ 1] sin[j]} over {@code count} values, the angles spread. */
    private static void pairsF32(MemorySegment xs, long xAt, MemorySegment os, long outAt, float[] cos, float[] sin, int angles,
            int count) {
        for (int e = 0; e < count; e += L) {
            FloatVector v = FloatVector.fromMemorySegment(S, xs, xAt + 4L * e, NATIVE);
            FloatVector c = FloatVector.fromArray(S, cos, angles + e), s = FloatVector.fromArray(S, sin, angles + e);
            v.mul(c).add(v.rearrange(SWAP).mul(s)).intoMemorySegment(os, outAt + 4L * e, NATIVE);
        }
    }

    /**
     * {@code count} pairs, L a step, a pair an int lane: {@code (a cos - b sin, b cos + a sin)}, rounded
     * as {@link #halvesBf16} rounds.
     */
    private static void pairsBf16(MemorySegment xs, long xAt, MemorySegment os, long outAt, float[] cos, float[] sin, int angles,
            int count) {
        for (int p = 0; p < count; p += L) {
            IntVector v = loadBf16Pairs(xs, xAt + 4L * p);
            FloatVector a = lowBf16(v), b = highBf16(v);
            FloatVector c = FloatVector.fromArray(S, cos, angles + p), s = FloatVector.fromArray(S, sin, angles + p);
            storeBf16PairsArithmetic(a.mul(c).sub(b.mul(s)), b.mul(c).add(a.mul(s)), os, outAt + 4L * p);
        }
    }
}
