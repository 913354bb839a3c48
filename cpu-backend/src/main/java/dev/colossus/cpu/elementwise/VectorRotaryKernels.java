package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.NativeSegments.exact;
import static dev.colossus.cpu.simd.VectorLanes.HIGH_HALF;
import static dev.colossus.cpu.simd.VectorLanes.L;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static dev.colossus.cpu.simd.VectorLanes.S;
import static dev.colossus.cpu.simd.VectorLanes.highBf16;
import static dev.colossus.cpu.simd.VectorLanes.loadBf16;
import static dev.colossus.cpu.simd.VectorLanes.loadBf16Pairs;
import static dev.colossus.cpu.simd.VectorLanes.lowBf16;
import static dev.colossus.cpu.simd.VectorLanes.storeBf16Arithmetic;
import static dev.colossus.cpu.simd.VectorLanes.storeBf16PairsArithmetic;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import dev.colossus.cpu.simd.VectorLanes;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * {@link RotaryKernels} on the Vector API. Rotate-half: a vector of first members a and the vector of
 * their partners b, half a row on, give {@code a cos - b sin} and {@code b cos + a sin}. Interleaved
 * F32: {@code v cos + swap(v) sin} with the angles spread over the row, {@code c c} and {@code -s s} a
 * pair, the partners by swapping neighbouring lanes. BF16: two BF16 values are one int lane ({@link
 * VectorLanes#loadBf16Pairs}), widened by a shift and a mask, rounded back into one lane, so that no
 * vector of x changes shape: interleaved, a lane is one pair of x; rotate-half, a lane holds
 * neighbouring pairs of each of a, b, cos and sin.
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
    public int angleWidth(boolean interleaved, int pairs) {
        return spread(interleaved, pairs) ? 2 * pairs : pairs;
    }

    /** Interleaved rows a whole number of vectors wide: their angles spread, {@code c c} and {@code -s s} a pair. */
    private static boolean spread(boolean interleaved, int pairs) {
        return interleaved && 2 * pairs % L == 0;
    }

    @Override
    public void layAngles(boolean interleaved, float[] cos, float[] sin, float[] rowCos, float[] rowSin, int at, int pairs) {
        if (spread(interleaved, pairs)) {
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
     * row itself ({@link #halvesF32}).
     */
    @Override
    public void rotateRows(boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs) {
        int bound;
        if (!interleaved) {
            bound = S.loopBound(pairs);
            halvesF32(x, out, cos, sin, rows, pairs, bound);
        } else {
            bound = spread(true, pairs) ? pairs - pairs % (L / 2) : 0;
            long rowBytes = 8L * pairs;
            boolean backToBack = bound == pairs && x.step() == rowBytes && out.step() == rowBytes;
            for (int r = 0; bound > 0 && r < (backToBack ? 1 : rows); r++) {
                int count = backToBack ? rows * pairs : bound;
                pairsF32(x.memory(), x.row(r), out.memory(), out.row(r), cos, sin, 2 * r * pairs, 2 * count);
            }
        }
        for (int r = 0; bound < pairs && r < rows; r++) {
            ScalarRotaryKernels.rotateRow(interleaved, x, out, cos, sin, r, pairs, bound);
        }
    }

    /*
     * Each loop steps from row to row itself, as halvesF32 does. Rotate-half takes 2L pairs a step as
     * int lanes, a and b, cos and sin each widened by a shift (the even pairs) and a mask (the odd
     * ones), and leaves a row's last pairs short of 2L to one step of L widened values, then plain Java.
     */
    @Override
    public void rotateBf16Rows(boolean interleaved, Rows x, Rows out, Rows cos, Rows sin, int rows, int pairs) {
        int bound;
        if (interleaved) {
            bound = pairs - pairs % L;
            pairsBf16(x, out, cos, sin, rows, pairs, bound);
        } else {
            bound = pairs - pairs % (2 * L);
            halvesBf16(x, out, cos, sin, rows, pairs, bound);
            if (pairs - bound >= L) {
                for (int r = 0; r < rows; r++) {
                    halvesBf16Step(x, out, cos, sin, r, pairs, bound);
                }
                bound += L;
            }
        }
        for (int r = 0; bound < pairs && r < rows; r++) {
            ScalarRotaryKernels.rotateBf16Row(interleaved, x, out, cos, sin, r, pairs, bound);
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
            FloatVector a = FloatVector.fromMemorySegment(S, exact(xs), xAt + 4L * i, NATIVE);
            FloatVector b = FloatVector.fromMemorySegment(S, exact(xs), xAt + half + 4L * i, NATIVE);
            FloatVector c = FloatVector.fromArray(S, cos, angles + i), s = FloatVector.fromArray(S, sin, angles + i);
            a.mul(c).sub(b.mul(s)).intoMemorySegment(exact(os), outAt + 4L * i, NATIVE);
            b.mul(c).add(a.mul(s)).intoMemorySegment(exact(os), outAt + half + 4L * i, NATIVE);
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
     * As {@link #halvesF32} over BF16, 2L pairs a step, pairs {@code (i, i + 1)} of a row's first half,
     * its second half, cos and sin each one int lane ({@link VectorLanes#loadBf16Pairs}): no vector
     * changes shape, where a copy of BF16 vectors widened to F32 and narrowed back ran at 0.6 of the
     * rate of one as int lanes on Zen 5 (27.5 GB/s against 46, one thread). Rounded as {@link
     * VectorLanes#storeBf16PairsArithmetic} rounds, with no test for NaN: x, cos and sin are all BF16
     * (the op asks one dtype), so every NaN here has its low 16 bits zero. Written out, not through
     * VectorLanes's helpers: with them C2 left the second store not inlined ({@code
     * NodeCountInliningCutoff} in {@code -XX:+PrintInlining}), and 32 MiB on two threads ran at 22 GB/s
     * against 46.
     */
    private static void halvesBf16(Rows x, Rows out, Rows cos, Rows sin, int rows, int pairs, int bound) {
        long half = 2L * pairs, xAt = x.at(), outAt = out.at(), cosAt = cos.at(), sinAt = sin.at();
        MemorySegment xs = x.memory(), os = out.memory(), cs = cos.memory(), ss = sin.memory();
        for (int v = 0, vectors = rows * (bound / (2 * L)), i = 0; v < vectors; v++) {
            IntVector av = loadBf16Pairs(xs, xAt + 2L * i), bv = loadBf16Pairs(xs, xAt + half + 2L * i);
            IntVector cv = loadBf16Pairs(cs, cosAt + 2L * i), sv = loadBf16Pairs(ss, sinAt + 2L * i);
            FloatVector a0 = av.lanewise(LSHL, 16).reinterpretAsFloats(), a1 = av.and(HIGH_HALF).reinterpretAsFloats();
            FloatVector b0 = bv.lanewise(LSHL, 16).reinterpretAsFloats(), b1 = bv.and(HIGH_HALF).reinterpretAsFloats();
            FloatVector c0 = cv.lanewise(LSHL, 16).reinterpretAsFloats(), c1 = cv.and(HIGH_HALF).reinterpretAsFloats();
            FloatVector s0 = sv.lanewise(LSHL, 16).reinterpretAsFloats(), s1 = sv.and(HIGH_HALF).reinterpretAsFloats();
            IntVector low = a0.mul(c0).sub(b0.mul(s0)).reinterpretAsInts(), high = a1.mul(c1).sub(b1.mul(s1)).reinterpretAsInts();
            low = low.add(low.lanewise(LSHR, 16).and(1)).add(0x7FFF);
            high = high.add(high.lanewise(LSHR, 16).and(1)).add(0x7FFF);
            low.lanewise(LSHR, 16).or(high.and(HIGH_HALF)).intoMemorySegment(exact(os), outAt + 2L * i, NATIVE);
            low = b0.mul(c0).add(a0.mul(s0)).reinterpretAsInts();
            high = b1.mul(c1).add(a1.mul(s1)).reinterpretAsInts();
            low = low.add(low.lanewise(LSHR, 16).and(1)).add(0x7FFF);
            high = high.add(high.lanewise(LSHR, 16).and(1)).add(0x7FFF);
            low.lanewise(LSHR, 16).or(high.and(HIGH_HALF)).intoMemorySegment(exact(os), outAt + half + 2L * i, NATIVE);
            i += 2 * L;
            if (i == bound) {
                i = 0;
                xAt += x.step();
                outAt += out.step();
                cosAt += cos.step();
                sinAt += sin.step();
            }
        }
    }

    /** {@link #halvesBf16}'s arithmetic on the L pairs of row r from pair i, each value widened to F32. */
    private static void halvesBf16Step(Rows x, Rows out, Rows cos, Rows sin, int r, int pairs, int i) {
        long half = 2L * pairs, xAt = x.row(r) + 2L * i, outAt = out.row(r) + 2L * i;
        MemorySegment xs = x.memory(), os = out.memory();
        FloatVector a = loadBf16(xs, xAt), b = loadBf16(xs, xAt + half);
        FloatVector c = loadBf16(cos.memory(), cos.row(r) + 2L * i), s = loadBf16(sin.memory(), sin.row(r) + 2L * i);
        storeBf16Arithmetic(a.mul(c).sub(b.mul(s)), os, outAt);
        storeBf16Arithmetic(b.mul(c).add(a.mul(s)), os, outAt + half);
    }

    /** {@code out[j] = x[j] cos[j] + x[j ^ 1] sin[j]} over {@code count} values, the angles spread. */
    private static void pairsF32(MemorySegment xs, long xAt, MemorySegment os, long outAt, float[] cos, float[] sin, int angles,
            int count) {
        for (int e = 0; e < count; e += L) {
            FloatVector v = FloatVector.fromMemorySegment(S, exact(xs), xAt + 4L * e, NATIVE);
            FloatVector c = FloatVector.fromArray(S, cos, angles + e), s = FloatVector.fromArray(S, sin, angles + e);
            v.mul(c).add(v.rearrange(SWAP).mul(s)).intoMemorySegment(exact(os), outAt + 4L * e, NATIVE);
        }
    }

    /**
     * Interleaved BF16, L pairs a step, a pair one int lane: {@code (a cos - b sin, b cos + a sin)}, the
     * angles of the L pairs widened from their BF16 rows, rounded as {@link #halvesBf16} rounds.
     */
    private static void pairsBf16(Rows x, Rows out, Rows cos, Rows sin, int rows, int pairs, int bound) {
        long xAt = x.at(), outAt = out.at(), cosAt = cos.at(), sinAt = sin.at();
        MemorySegment xs = x.memory(), os = out.memory(), cs = cos.memory(), ss = sin.memory();
        for (int v = 0, vectors = rows * (bound / L), p = 0; v < vectors; v++) {
            IntVector pair = loadBf16Pairs(xs, xAt + 4L * p);
            FloatVector a = lowBf16(pair), b = highBf16(pair), c = loadBf16(cs, cosAt + 2L * p), s = loadBf16(ss, sinAt + 2L * p);
            storeBf16PairsArithmetic(a.mul(c).sub(b.mul(s)), b.mul(c).add(a.mul(s)), os, outAt + 4L * p);
            p += L;
            if (p == bound) {
                p = 0;
                xAt += x.step();
                outAt += out.step();
                cosAt += cos.step();
                sinAt += sin.step();
            }
        }
    }
}
