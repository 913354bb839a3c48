package dev.colossus.cpu.matmul;

import static dev.colossus.cpu.simd.NativeSegments.exact;
import static dev.colossus.cpu.simd.VectorLanes.HIGH_HALF;
import static dev.colossus.cpu.simd.VectorLanes.INTS;
import static dev.colossus.cpu.simd.VectorLanes.L;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static dev.colossus.cpu.simd.VectorLanes.S;
import static dev.colossus.cpu.simd.VectorLanes.sumOfLanes;
import static jdk.incubator.vector.VectorOperators.ADD;

import dev.colossus.DType;
import dev.colossus.cpu.simd.F16Lanes;
import dev.colossus.cpu.simd.Simd;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link RowProducts} on the Vector API at {@link Simd#BITS}. Loops run whole vectors and hand the
 * remainder to {@link ScalarRowProducts}. BF16 rows are widened in registers, two vectors of a row at
 * a time ({@link #toPairOrder}). The dot products of {@link #dots} alone keep the Vector API's {@code
 * reduceLanes}, for speed: their last bits may move while decode attention is being compiled.
 */
final class VectorRowProducts implements RowProducts {
    /** Elements of a row that {@link #dots} and {@link #addProducts} take at a time: two vectors, L 32-bit words of BF16. */
    private static final int RUN = 2 * L;
    /** Which element of a BF16 pair lies in the low half of its 32-bit word: the first on little-endian machines. */
    private static final int LOW_HALF = NATIVE == ByteOrder.LITTLE_ENDIAN ? 0 : 1;

    /**
     * Four rows of q against two keys at a time: each run of a key is loaded once for the four rows.
     * Its eight horizontal sums a pair of keys are the Vector API's {@code reduceLanes}, the one place
     * left whose order differs before and after C2 compiles it (see {@link dev.colossus.cpu.simd.VectorLanes#sumOfLanes}): decode
     * attention's scores may move in their last bit while the kernel is being compiled.
     */
    @Override
    public void dots(float[] q, int rows, int d, MemorySegment k, long at, long rowBytes, DType dtype, int keys, float[] out) {
        if (rows == 1) {
            oneRow(q, d, k, at, rowBytes, dtype, keys, out);
            return;
        }
        int width = dtype.byteSize(), runs = d - d % RUN, shift = shift(dtype), mask = mask(dtype);
        long offset = offset(dtype);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int q0 = r * d, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
            int j = 0;
            // Eight independent chains of fused multiply-adds: rows r..r+3 against keys j and j+1.
            for (; j + 2 <= keys; j += 2) {
                long kj = at + j * rowBytes, kl = kj + rowBytes;
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
                for (int i = 0; i < runs; i += RUN) {
                    long x = kj + (long) width * i, y = kl + (long) width * i;
                    FloatVector x0 = first(k, x, shift), x1 = second(k, x + offset, mask);
                    FloatVector y0 = first(k, y, shift), y1 = second(k, y + offset, mask);
                    FloatVector a0 = FloatVector.fromArray(S, q, q0 + i), b0 = FloatVector.fromArray(S, q, q0 + i + L);
                    FloatVector a1 = FloatVector.fromArray(S, q, q1 + i), b1 = FloatVector.fromArray(S, q, q1 + i + L);
                    FloatVector a2 = FloatVector.fromArray(S, q, q2 + i), b2 = FloatVector.fromArray(S, q, q2 + i + L);
                    FloatVector a3 = FloatVector.fromArray(S, q, q3 + i), b3 = FloatVector.fromArray(S, q, q3 + i + L);
                    s0 = b0.fma(x1, a0.fma(x0, s0));
                    s1 = b1.fma(x1, a1.fma(x0, s1));
                    s2 = b2.fma(x1, a2.fma(x0, s2));
                    s3 = b3.fma(x1, a3.fma(x0, s3));
                    u0 = b0.fma(y1, a0.fma(y0, u0));
                    u1 = b1.fma(y1, a1.fma(y0, u1));
                    u2 = b2.fma(y1, a2.fma(y0, u2));
                    u3 = b3.fma(y1, a3.fma(y0, u3));
                }
                out[r * keys + j] = s0.reduceLanes(ADD);
                out[(r + 1) * keys + j] = s1.reduceLanes(ADD);
                out[(r + 2) * keys + j] = s2.reduceLanes(ADD);
                out[(r + 3) * keys + j] = s3.reduceLanes(ADD);
                out[r * keys + j + 1] = u0.reduceLanes(ADD);
                out[(r + 1) * keys + j + 1] = u1.reduceLanes(ADD);
                out[(r + 2) * keys + j + 1] = u2.reduceLanes(ADD);
                out[(r + 3) * keys + j + 1] = u3.reduceLanes(ADD);
            }
            for (int row = r; row < r + 4 && runs < d; row++) {
                for (int key = 0; key < j; key++) {
                    out[row * keys + key] += tail(q, row * d, d, runs, k, at + key * rowBytes, dtype);
                }
            }
            for (; j < keys; j++) {
                for (int row = r; row < r + 4; row++) {
                    out[row * keys + j] = dot(q, row * d, d, k, at + j * rowBytes, dtype);
                }
            }
        }
        for (; r < rows; r++) {
            for (int j = 0; j < keys; j++) {
                out[r * keys + j] = dot(q, r * d, d, k, at + j * rowBytes, dtype);
            }
        }
    }

    /**
     * One row of q (a decode step's linear layer: q the input, the keys a weight's rows) against one
     * key at a time, two runs a step in four chains of fused multiply-adds: each key's row is read as
     * one stream. Four keys at a time, four streams each a 4 KiB page apart (a 2048-wide BF16 row is
     * one page), read 2.5 GB of weights at 17-19 GB/s on two threads where this reads them at 27-32
     * (with 256 MB of weights, their pages' translations cached, four keys were the faster: 41 against
     * 30). Llama 1B's decode step on Zen 5 went from 110-137 ms to 84-98; two keys or four runs a step,
     * faster alone, made the step slower (121-125 and 94-112 ms).
     */
    private static void oneRow(float[] q, int d, MemorySegment k, long at, long rowBytes, DType dtype, int keys, float[] out) {
        int runs = d - d % RUN;
        for (int j = 0; j < keys; j++) {
            long row = at + j * rowBytes;
            float runsDot = switch (dtype) {
                case BF16 -> bf16Runs(q, 0, runs, k, row);
                case F16 -> f16Runs(q, 0, runs, k, row);
                default -> f32Runs(q, 0, runs, k, row);
            };
            out[j] = runsDot + tail(q, 0, d, runs, k, row, dtype);
        }
    }

    /**
     * {@code q[off, off + runs) . k[0, runs)}, k a BF16 row at byte {@code row}: a run is one vector of
     * words, loaded once and widened twice. Read as {@link #first} and {@link #second} read a run, the
     * words are loaded twice, each load with its own bounds and session checks: Llama 1B's decode step
     * ran 6-10% slower ({@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    private static float bf16Runs(float[] q, int off, int runs, MemorySegment k, long row) {
        FloatVector s0 = FloatVector.zero(S), t0 = s0, s1 = s0, t1 = s0;
        int i = 0;
        for (; i + 2 * RUN <= runs; i += 2 * RUN) {
            IntVector w = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * i, NATIVE);
            IntVector v = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * (i + RUN), NATIVE);
            s0 = FloatVector.fromArray(S, q, off + i).fma(low(w), s0);
            t0 = FloatVector.fromArray(S, q, off + i + L).fma(high(w), t0);
            s1 = FloatVector.fromArray(S, q, off + i + RUN).fma(low(v), s1);
            t1 = FloatVector.fromArray(S, q, off + i + RUN + L).fma(high(v), t1);
        }
        if (i < runs) {
            IntVector w = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * i, NATIVE);
            s0 = FloatVector.fromArray(S, q, off + i).fma(low(w), s0);
            t0 = FloatVector.fromArray(S, q, off + i + L).fma(high(w), t0);
        }
        return s0.add(t0).add(s1.add(t1)).reduceLanes(ADD);
    }

    /**
     * One BF16 row against the keys, x's words widened as the keys' are ({@link #bf16Runs}), then the
     * tail in natural order. The loop over the keys and the loop over a key's runs are one method of
     * more than 325 bytecodes ({@code -XX:FreqInlineSize}), so that C2 never inlines it into its
     * callers and always compiles it on its own. Inlined into the matmul's task lambdas, its widenings
     * were left as calls (the Vector API's reinterpreting casts) in some JVMs and not in others, by the
     * order in which methods were compiled: Llama 1B's down and q/o projections took 4 times as long and
     * the decode step twice.
     */
    @Override
    public void bf16Dots(int[] x, int from, int d, MemorySegment k, long at, long rowBytes, int keys, float[] out) {
        int runs = d - d % RUN;
        int word = from / 2;
        for (int j = 0; j < keys; j++) {
            long row = at + j * rowBytes;
            float tail = 0;
            for (int i = runs; i < d; i++) {
                tail += RowProducts.wordValue(x, from + i) * ScalarRowProducts.element(k, row, i, DType.BF16);
            }
            FloatVector s0 = FloatVector.zero(S), t0 = s0, s1 = s0, t1 = s0;
            int i = 0;
            for (; i + 2 * RUN <= runs; i += 2 * RUN) {
                IntVector w = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * i, NATIVE);
                IntVector v = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * (i + RUN), NATIVE);
                IntVector a = IntVector.fromArray(INTS, x, word + i / 2), b = IntVector.fromArray(INTS, x, word + i / 2 + L);
                s0 = low(a).fma(low(w), s0);
                t0 = high(a).fma(high(w), t0);
                s1 = low(b).fma(low(v), s1);
                t1 = high(b).fma(high(v), t1);
            }
            if (i < runs) {
                IntVector w = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * i, NATIVE);
                IntVector a = IntVector.fromArray(INTS, x, word + i / 2);
                s0 = low(a).fma(low(w), s0);
                t0 = high(a).fma(high(w), t0);
            }
            out[j] = s0.add(t0).add(s1.add(t1)).reduceLanes(ADD) + tail;
        }
    }

    /** The values in the low halves of the words, as F32 (exact). */
    private static FloatVector low(IntVector words) {
        return words.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The values in the high halves of the words, as F32 (exact). */
    private static FloatVector high(IntVector words) {
        return words.and(HIGH_HALF).reinterpretAsFloats();
    }

    /**
     * {@code q[off, off + runs) . k[0, runs)}, k an F16 row at byte {@code row}, q in pair order: a run
     * is one vector of words, each half widened in four operations ({@link F16Lanes#lowFinite}), exact
     * unless a half is infinite or NaN, which three more operations a vector tell at the end; then the row
     * again with the exact widening ({@link #f16RunsExact}). A decode step's F16 linear layer so reads
     * its weight once, in place: 1 x 4096 x 4096t 1.1-1.5 ms on two threads (Zen 4, {@code
     * MatMulBench}, 3 forks twice), against 1.9-2.6 with the exact widening's dozen operations a
     * vector, 2.1-2.7 widening 16 rows at a time into an F32 block first, and 6.1-6.6 packed.
     */
    private static float f16Runs(float[] q, int off, int runs, MemorySegment k, long row) {
        FloatVector s0 = FloatVector.zero(S), t0 = s0, s1 = s0, t1 = s0;
        IntVector specials = IntVector.zero(INTS); // a constant vector here would be boxed through the loop
        int i = 0;
        for (; i + 2 * RUN <= runs; i += 2 * RUN) {
            IntVector w = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * i, NATIVE);
            IntVector v = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * (i + RUN), NATIVE);
            specials = F16Lanes.infiniteOrNaNSeen(F16Lanes.infiniteOrNaNSeen(specials, w), v);
            s0 = FloatVector.fromArray(S, q, off + i).fma(F16Lanes.lowFinite(w), s0);
            t0 = FloatVector.fromArray(S, q, off + i + L).fma(F16Lanes.highFinite(w), t0);
            s1 = FloatVector.fromArray(S, q, off + i + RUN).fma(F16Lanes.lowFinite(v), s1);
            t1 = FloatVector.fromArray(S, q, off + i + RUN + L).fma(F16Lanes.highFinite(v), t1);
        }
        if (i < runs) {
            IntVector w = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * i, NATIVE);
            specials = F16Lanes.infiniteOrNaNSeen(specials, w);
            s0 = FloatVector.fromArray(S, q, off + i).fma(F16Lanes.lowFinite(w), s0);
            t0 = FloatVector.fromArray(S, q, off + i + L).fma(F16Lanes.highFinite(w), t0);
        }
        if (F16Lanes.anyInfiniteOrNaN(specials)) {
            return f16RunsExact(q, off, runs, k, row);
        }
        return s0.add(t0).add(s1.add(t1)).reduceLanes(ADD);
    }

    /** {@link #f16Runs} for a row with an infinite or NaN half: each widened exactly ({@link F16Lanes#low}), in one chain. */
    private static float f16RunsExact(float[] q, int off, int runs, MemorySegment k, long row) {
        FloatVector s = FloatVector.zero(S);
        for (int i = 0; i < runs; i += RUN) {
            IntVector w = IntVector.fromMemorySegment(INTS, exact(k), row + 2L * i, NATIVE);
            s = FloatVector.fromArray(S, q, off + i + L).fma(F16Lanes.high(w), FloatVector.fromArray(S, q, off + i).fma(F16Lanes.low(w), s));
        }
        return s.reduceLanes(ADD);
    }

    /** {@code q[off, off + runs) . k[0, runs)}, k an F32 row at byte {@code row}, in the order of {@link #bf16Runs}. */
    private static float f32Runs(float[] q, int off, int runs, MemorySegment k, long row) {
        FloatVector s0 = FloatVector.zero(S), t0 = s0, s1 = s0, t1 = s0;
        int i = 0;
        for (; i + 2 * RUN <= runs; i += 2 * RUN) {
            s0 = FloatVector.fromArray(S, q, off + i).fma(FloatVector.fromMemorySegment(S, exact(k), row + 4L * i, NATIVE), s0);
            t0 = FloatVector.fromArray(S, q, off + i + L).fma(FloatVector.fromMemorySegment(S, exact(k), row + 4L * (i + L), NATIVE), t0);
            s1 = FloatVector.fromArray(S, q, off + i + RUN).fma(FloatVector.fromMemorySegment(S, exact(k), row + 4L * (i + RUN), NATIVE), s1);
            t1 = FloatVector.fromArray(S, q, off + i + RUN + L).fma(FloatVector.fromMemorySegment(S, exact(k), row + 4L * (i + RUN + L), NATIVE), t1);
        }
        if (i < runs) {
            s0 = FloatVector.fromArray(S, q, off + i).fma(FloatVector.fromMemorySegment(S, exact(k), row + 4L * i, NATIVE), s0);
            t0 = FloatVector.fromArray(S, q, off + i + L).fma(FloatVector.fromMemorySegment(S, exact(k), row + 4L * (i + L), NATIVE), t0);
        }
        return s0.add(t0).add(s1.add(t1)).reduceLanes(ADD);
    }

    /**
     * Four keys at a time, four rows of q against them (three rows left over as four, two as two, one
     * alone, against the same four keys): 16 sums in registers, each key's run widened once for the
     * rows and each row's run loaded once for the keys, so that a few rows cost little more than one
     * where a weight streams in from memory. Four rows against a 256 MB BF16 weight on one thread of a Zen 4 VM (a throwaway
     * harness): 13.1-13.3 GB/s of weight so, 9.1-9.3 as {@link #dots} takes them (two keys at a time),
     * about 6 one key at a time; with the weight in L2, 27 GB/s (108 GFLOP/s, near the FMA peak)
     * against 20.7. The keys left over, and one row alone, as {@link #oneRow} takes them.
     */
    @Override
    public void weightDots(float[] q, int rows, int d, MemorySegment k, long at, long rowBytes, DType dtype, int keys, float[] out) {
        if (rows == 1) {
            oneRow(q, d, k, at, rowBytes, dtype, keys, out);
            return;
        }
        boolean bf16 = dtype == DType.BF16;
        int runs = d - d % RUN;
        int j = 0;
        for (; j + 4 <= keys; j += 4) {
            long row = at + j * rowBytes;
            int r = 0;
            for (; r + 3 <= rows; r += 4) {
                fourRowsFourKeys(q, r * d, Math.min(4, rows - r), d, runs, k, row, rowBytes, dtype, out, r * keys + j, keys);
            }
            if (r + 2 <= rows) {
                twoRowsFourKeys(q, r * d, d, runs, k, row, rowBytes, dtype, out, r * keys + j, keys);
                r += 2;
            }
            if (r < rows) {
                oneRowFourKeys(q, r * d, d, runs, k, row, rowBytes, dtype, out, r * keys + j);
            }
        }
        for (; j < keys; j++) {
            long row = at + j * rowBytes;
            for (int r = 0; r < rows; r++) {
                out[r * keys + j] = (bf16 ? bf16Runs(q, r * d, runs, k, row) : f32Runs(q, r * d, runs, k, row))
                        + tail(q, r * d, d, runs, k, row, dtype);
            }
        }
    }

    /**
     * The {@code count} (3 or 4) rows of q from {@code q0 / d} against the four keys from byte {@code
     * row}, {@code rowBytes} apart: {@code out[o + r * keys + c]} for row r and key c. Three rows take
     * the third twice, so that they too read the keys in one pass.
     */
    private static void fourRowsFourKeys(float[] q, int q0, int count, int d, int runs, MemorySegment k, long row, long rowBytes,
            DType dtype, float[] out, int o, int keys) {
        int shift = shift(dtype), mask = mask(dtype), width = dtype.byteSize();
        long offset = offset(dtype), k1 = row + rowBytes, k2 = k1 + rowBytes, k3 = k2 + rowBytes;
        int q1 = q0 + d, q2 = q1 + d, q3 = count == 4 ? q2 + d : q2;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
        for (int i = 0; i < runs; i += RUN) {
            long x = (long) width * i;
            FloatVector la = first(k, row + x, shift), ha = second(k, row + x + offset, mask);
            FloatVector lb = first(k, k1 + x, shift), hb = second(k, k1 + x + offset, mask);
            FloatVector lc = first(k, k2 + x, shift), hc = second(k, k2 + x + offset, mask);
            FloatVector le = first(k, k3 + x, shift), he = second(k, k3 + x + offset, mask);
            FloatVector lo = FloatVector.fromArray(S, q, q0 + i), hi = FloatVector.fromArray(S, q, q0 + i + L);
            a0 = hi.fma(ha, lo.fma(la, a0));
            b0 = hi.fma(hb, lo.fma(lb, b0));
            c0 = hi.fma(hc, lo.fma(lc, c0));
            e0 = hi.fma(he, lo.fma(le, e0));
            lo = FloatVector.fromArray(S, q, q1 + i);
            hi = FloatVector.fromArray(S, q, q1 + i + L);
            a1 = hi.fma(ha, lo.fma(la, a1));
            b1 = hi.fma(hb, lo.fma(lb, b1));
            c1 = hi.fma(hc, lo.fma(lc, c1));
            e1 = hi.fma(he, lo.fma(le, e1));
            lo = FloatVector.fromArray(S, q, q2 + i);
            hi = FloatVector.fromArray(S, q, q2 + i + L);
            a2 = hi.fma(ha, lo.fma(la, a2));
            b2 = hi.fma(hb, lo.fma(lb, b2));
            c2 = hi.fma(hc, lo.fma(lc, c2));
            e2 = hi.fma(he, lo.fma(le, e2));
            lo = FloatVector.fromArray(S, q, q3 + i);
            hi = FloatVector.fromArray(S, q, q3 + i + L);
            a3 = hi.fma(ha, lo.fma(la, a3));
            b3 = hi.fma(hb, lo.fma(lb, b3));
            c3 = hi.fma(hc, lo.fma(lc, c3));
            e3 = hi.fma(he, lo.fma(le, e3));
        }
        // Written out: the sums put in an array to loop over were boxed, and the kernel ran at a sixth of its speed.
        int o1 = o + keys, o2 = o1 + keys, o3 = o2 + keys;
        out[o] = a0.reduceLanes(ADD);
        out[o + 1] = b0.reduceLanes(ADD);
        out[o + 2] = c0.reduceLanes(ADD);
        out[o + 3] = e0.reduceLanes(ADD);
        out[o1] = a1.reduceLanes(ADD);
        out[o1 + 1] = b1.reduceLanes(ADD);
        out[o1 + 2] = c1.reduceLanes(ADD);
        out[o1 + 3] = e1.reduceLanes(ADD);
        out[o2] = a2.reduceLanes(ADD);
        out[o2 + 1] = b2.reduceLanes(ADD);
        out[o2 + 2] = c2.reduceLanes(ADD);
        out[o2 + 3] = e2.reduceLanes(ADD);
        if (count == 4) {
            out[o3] = a3.reduceLanes(ADD);
            out[o3 + 1] = b3.reduceLanes(ADD);
            out[o3 + 2] = c3.reduceLanes(ADD);
            out[o3 + 3] = e3.reduceLanes(ADD);
        }
        for (int r = 0; r < count && runs < d; r++) {
            for (int c = 0; c < 4; c++) {
                out[o + r * keys + c] += tail(q, q0 + r * d, d, runs, k, row + c * rowBytes, dtype);
            }
        }
    }

    /**
     * {@link #fourRowsFourKeys} for two rows: written apart because two rows run through the four-row
     * kernel (each taken twice) made Llama 1B's two-sequence step 2-8% slower.
     */
    private static void twoRowsFourKeys(float[] q, int q0, int d, int runs, MemorySegment k, long row, long rowBytes, DType dtype,
            float[] out, int o, int keys) {
        int shift = shift(dtype), mask = mask(dtype), width = dtype.byteSize();
        long offset = offset(dtype), k1 = row + rowBytes, k2 = k1 + rowBytes, k3 = k2 + rowBytes;
        int q1 = q0 + d;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
        for (int i = 0; i < runs; i += RUN) {
            long x = (long) width * i;
            FloatVector la = first(k, row + x, shift), ha = second(k, row + x + offset, mask);
            FloatVector lb = first(k, k1 + x, shift), hb = second(k, k1 + x + offset, mask);
            FloatVector lc = first(k, k2 + x, shift), hc = second(k, k2 + x + offset, mask);
            FloatVector le = first(k, k3 + x, shift), he = second(k, k3 + x + offset, mask);
            FloatVector lo = FloatVector.fromArray(S, q, q0 + i), hi = FloatVector.fromArray(S, q, q0 + i + L);
            a0 = hi.fma(ha, lo.fma(la, a0));
            b0 = hi.fma(hb, lo.fma(lb, b0));
            c0 = hi.fma(hc, lo.fma(lc, c0));
            e0 = hi.fma(he, lo.fma(le, e0));
            lo = FloatVector.fromArray(S, q, q1 + i);
            hi = FloatVector.fromArray(S, q, q1 + i + L);
            a1 = hi.fma(ha, lo.fma(la, a1));
            b1 = hi.fma(hb, lo.fma(lb, b1));
            c1 = hi.fma(hc, lo.fma(lc, c1));
            e1 = hi.fma(he, lo.fma(le, e1));
        }
        int o1 = o + keys;
        out[o] = a0.reduceLanes(ADD);
        out[o + 1] = b0.reduceLanes(ADD);
        out[o + 2] = c0.reduceLanes(ADD);
        out[o + 3] = e0.reduceLanes(ADD);
        out[o1] = a1.reduceLanes(ADD);
        out[o1 + 1] = b1.reduceLanes(ADD);
        out[o1 + 2] = c1.reduceLanes(ADD);
        out[o1 + 3] = e1.reduceLanes(ADD);
        for (int r = 0; r < 2 && runs < d; r++) {
            for (int c = 0; c < 4; c++) {
                out[o + r * keys + c] += tail(q, q0 + r * d, d, runs, k, row + c * rowBytes, dtype);
            }
        }
    }

    /** Row {@code q0 / d} of q against the four keys from byte {@code row}, {@code rowBytes} apart, into {@code out[o + c]}. */
    private static void oneRowFourKeys(float[] q, int q0, int d, int runs, MemorySegment k, long row, long rowBytes, DType dtype,
            float[] out, int o) {
        int shift = shift(dtype), mask = mask(dtype), width = dtype.byteSize();
        long offset = offset(dtype), k1 = row + rowBytes, k2 = k1 + rowBytes, k3 = k2 + rowBytes;
        FloatVector a = FloatVector.zero(S), b = a, c = a, e = a;
        for (int i = 0; i < runs; i += RUN) {
            long x = (long) width * i;
            FloatVector lo = FloatVector.fromArray(S, q, q0 + i), hi = FloatVector.fromArray(S, q, q0 + i + L);
            a = hi.fma(second(k, row + x + offset, mask), lo.fma(first(k, row + x, shift), a));
            b = hi.fma(second(k, k1 + x + offset, mask), lo.fma(first(k, k1 + x, shift), b));
            c = hi.fma(second(k, k2 + x + offset, mask), lo.fma(first(k, k2 + x, shift), c));
            e = hi.fma(second(k, k3 + x + offset, mask), lo.fma(first(k, k3 + x, shift), e));
        }
        out[o] = a.reduceLanes(ADD);
        out[o + 1] = b.reduceLanes(ADD);
        out[o + 2] = c.reduceLanes(ADD);
        out[o + 3] = e.reduceLanes(ADD);
        for (int t = 0; t < 4 && runs < d; t++) {
            out[o + t] += tail(q, q0, d, runs, k, row + t * rowBytes, dtype);
        }
    }

    /** {@code sum_i q[off + i] * k[i]}, k the row at byte {@code row}. */
    private static float dot(float[] q, int off, int d, MemorySegment k, long row, DType dtype) {
        int width = dtype.byteSize(), runs = d - d % RUN, shift = shift(dtype), mask = mask(dtype);
        long offset = offset(dtype);
        FloatVector s = FloatVector.zero(S);
        for (int i = 0; i < runs; i += RUN) {
            long x = row + (long) width * i;
            s = FloatVector.fromArray(S, q, off + i + L).fma(second(k, x + offset, mask), FloatVector.fromArray(S, q, off + i).fma(first(k, x, shift), s));
        }
        return s.reduceLanes(ADD) + tail(q, off, d, runs, k, row, dtype);
    }

    /** {@code sum_{from <= i < d} q[off + i] * k[i]}: the elements after the last whole run, in natural order. */
    private static float tail(float[] q, int off, int d, int from, MemorySegment k, long row, DType dtype) {
        float s = 0;
        for (int i = from; i < d; i++) {
            s += q[off + i] * ScalarRowProducts.element(k, row, i, dtype);
        }
        return s;
    }

    /**
     * Four rows at a time (then two), four vectors of columns at a time, keys innermost: the 16
     * accumulators stay in registers across the keys, each key's columns are read in order, and each
     * value row is loaded and widened once for the four rows of a GQA group of 4 (faster than two rows
     * at a time: {@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    @Override
    public void addProducts(float[] p, int rows, int keys, MemorySegment v, long at, long rowBytes, DType dtype, int d, float[] out) {
        int width = dtype.byteSize(), runs = d - d % RUN, shift = shift(dtype), mask = mask(dtype);
        long offset = offset(dtype);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int p0 = r * keys, p1 = p0 + keys, p2 = p1 + keys, p3 = p2 + keys, o0 = r * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
            int c = 0;
            for (; c + 2 * RUN <= runs; c += 2 * RUN) {
                FloatVector a0 = FloatVector.fromArray(S, out, o0 + c), a1 = FloatVector.fromArray(S, out, o0 + c + L);
                FloatVector a2 = FloatVector.fromArray(S, out, o0 + c + 2 * L), a3 = FloatVector.fromArray(S, out, o0 + c + 3 * L);
                FloatVector b0 = FloatVector.fromArray(S, out, o1 + c), b1 = FloatVector.fromArray(S, out, o1 + c + L);
                FloatVector b2 = FloatVector.fromArray(S, out, o1 + c + 2 * L), b3 = FloatVector.fromArray(S, out, o1 + c + 3 * L);
                FloatVector e0 = FloatVector.fromArray(S, out, o2 + c), e1 = FloatVector.fromArray(S, out, o2 + c + L);
                FloatVector e2 = FloatVector.fromArray(S, out, o2 + c + 2 * L), e3 = FloatVector.fromArray(S, out, o2 + c + 3 * L);
                FloatVector f0 = FloatVector.fromArray(S, out, o3 + c), f1 = FloatVector.fromArray(S, out, o3 + c + L);
                FloatVector f2 = FloatVector.fromArray(S, out, o3 + c + 2 * L), f3 = FloatVector.fromArray(S, out, o3 + c + 3 * L);
                for (int j = 0; j < keys; j++) {
                    long x = at + j * rowBytes + (long) width * c, y = x + (long) width * RUN;
                    FloatVector x0 = first(v, x, shift), x1 = second(v, x + offset, mask);
                    FloatVector y0 = first(v, y, shift), y1 = second(v, y + offset, mask);
                    FloatVector w0 = FloatVector.broadcast(S, p[p0 + j]), w1 = FloatVector.broadcast(S, p[p1 + j]);
                    FloatVector w2 = FloatVector.broadcast(S, p[p2 + j]), w3 = FloatVector.broadcast(S, p[p3 + j]);
                    a0 = x0.fma(w0, a0);
                    a1 = x1.fma(w0, a1);
                    a2 = y0.fma(w0, a2);
                    a3 = y1.fma(w0, a3);
                    b0 = x0.fma(w1, b0);
                    b1 = x1.fma(w1, b1);
                    b2 = y0.fma(w1, b2);
                    b3 = y1.fma(w1, b3);
                    e0 = x0.fma(w2, e0);
                    e1 = x1.fma(w2, e1);
                    e2 = y0.fma(w2, e2);
                    e3 = y1.fma(w2, e3);
                    f0 = x0.fma(w3, f0);
                    f1 = x1.fma(w3, f1);
                    f2 = y0.fma(w3, f2);
                    f3 = y1.fma(w3, f3);
                }
                a0.intoArray(out, o0 + c);
                a1.intoArray(out, o0 + c + L);
                a2.intoArray(out, o0 + c + 2 * L);
                a3.intoArray(out, o0 + c + 3 * L);
                b0.intoArray(out, o1 + c);
                b1.intoArray(out, o1 + c + L);
                b2.intoArray(out, o1 + c + 2 * L);
                b3.intoArray(out, o1 + c + 3 * L);
                e0.intoArray(out, o2 + c);
                e1.intoArray(out, o2 + c + L);
                e2.intoArray(out, o2 + c + 2 * L);
                e3.intoArray(out, o2 + c + 3 * L);
                f0.intoArray(out, o3 + c);
                f1.intoArray(out, o3 + c + L);
                f2.intoArray(out, o3 + c + 2 * L);
                f3.intoArray(out, o3 + c + 3 * L);
            }
            addProducts(p, r, 4, keys, v, at, rowBytes, dtype, d, c, out);
        }
        for (; r + 2 <= rows; r += 2) {
            int p0 = r * keys, p1 = p0 + keys, o0 = r * d, o1 = o0 + d;
            int c = 0;
            for (; c + 2 * RUN <= runs; c += 2 * RUN) {
                FloatVector a0 = FloatVector.fromArray(S, out, o0 + c), a1 = FloatVector.fromArray(S, out, o0 + c + L);
                FloatVector a2 = FloatVector.fromArray(S, out, o0 + c + 2 * L), a3 = FloatVector.fromArray(S, out, o0 + c + 3 * L);
                FloatVector b0 = FloatVector.fromArray(S, out, o1 + c), b1 = FloatVector.fromArray(S, out, o1 + c + L);
                FloatVector b2 = FloatVector.fromArray(S, out, o1 + c + 2 * L), b3 = FloatVector.fromArray(S, out, o1 + c + 3 * L);
                for (int j = 0; j < keys; j++) {
                    long x = at + j * rowBytes + (long) width * c, y = x + (long) width * RUN;
                    FloatVector x0 = first(v, x, shift), x1 = second(v, x + offset, mask);
                    FloatVector y0 = first(v, y, shift), y1 = second(v, y + offset, mask);
                    FloatVector w0 = FloatVector.broadcast(S, p[p0 + j]), w1 = FloatVector.broadcast(S, p[p1 + j]);
                    a0 = x0.fma(w0, a0);
                    a1 = x1.fma(w0, a1);
                    a2 = y0.fma(w0, a2);
                    a3 = y1.fma(w0, a3);
                    b0 = x0.fma(w1, b0);
                    b1 = x1.fma(w1, b1);
                    b2 = y0.fma(w1, b2);
                    b3 = y1.fma(w1, b3);
                }
                a0.intoArray(out, o0 + c);
                a1.intoArray(out, o0 + c + L);
                a2.intoArray(out, o0 + c + 2 * L);
                a3.intoArray(out, o0 + c + 3 * L);
                b0.intoArray(out, o1 + c);
                b1.intoArray(out, o1 + c + L);
                b2.intoArray(out, o1 + c + 2 * L);
                b3.intoArray(out, o1 + c + 3 * L);
            }
            addProducts(p, r, 2, keys, v, at, rowBytes, dtype, d, c, out);
        }
        addProducts(p, r, rows - r, keys, v, at, rowBytes, dtype, d, 0, out);
    }

    /** {@link #addProducts} for rows {@code [r0, r0 + n)} and the columns from {@code from}: a run at a time, then one at a time. */
    private static void addProducts(float[] p, int r0, int n, int keys, MemorySegment v, long at, long rowBytes, DType dtype, int d,
            int from, float[] out) {
        int width = dtype.byteSize(), runs = d - d % RUN, shift = shift(dtype), mask = mask(dtype);
        long offset = offset(dtype);
        for (int r = r0; r < r0 + n; r++) {
            int o = r * d;
            for (int c = from; c < runs; c += RUN) {
                FloatVector a0 = FloatVector.fromArray(S, out, o + c), a1 = FloatVector.fromArray(S, out, o + c + L);
                for (int j = 0; j < keys; j++) {
                    long x = at + j * rowBytes + (long) width * c;
                    FloatVector w = FloatVector.broadcast(S, p[r * keys + j]);
                    a0 = first(v, x, shift).fma(w, a0);
                    a1 = second(v, x + offset, mask).fma(w, a1);
                }
                a0.intoArray(out, o + c);
                a1.intoArray(out, o + c + L);
            }
            for (int c = Math.max(from, runs); c < d; c++) {
                float s = out[o + c];
                for (int j = 0; j < keys; j++) {
                    s += p[r * keys + j] * ScalarRowProducts.element(v, at + j * rowBytes, c, dtype);
                }
                out[o + c] = s;
            }
        }
    }

    /*
     * A run of a row is two vectors, both read as 32-bit words: first = words(at) << shift, second =
     * words(at + offset) & mask. F32 (shift 0, offset L words, mask all ones): its first and last L
     * elements. BF16 (shift 16, offset 0, mask 0xFFFF0000): the low and the high halves of its L words,
     * widened. One loop serves both without a branch, whose profile could keep C2 from inlining the
     * other format's loads (a call that is not inlined boxes its vector).
     */
    private static int shift(DType dtype) {
        return dtype == DType.BF16 ? 16 : 0;
    }

    private static long offset(DType dtype) {
        return dtype == DType.BF16 ? 0 : 4L * L;
    }

    private static int mask(DType dtype) {
        return dtype == DType.BF16 ? 0xFFFF0000 : -1;
    }

    private static FloatVector first(MemorySegment m, long at, int shift) {
        return IntVector.fromMemorySegment(INTS, exact(m), at, NATIVE).lanewise(VectorOperators.LSHL, shift).reinterpretAsFloats();
    }

    private static FloatVector second(MemorySegment m, long at, int mask) {
        return IntVector.fromMemorySegment(INTS, exact(m), at, NATIVE).and(mask).reinterpretAsFloats();
    }

    /** Within each run, the elements in the low halves of the words first (the even ones where the low half comes first in memory). */
    @Override
    public void toPairOrder(float[] x, int off, int n) {
        float[] run = new float[RUN];
        for (int i = off; i + RUN <= off + n; i += RUN) {
            System.arraycopy(x, i, run, 0, RUN);
            for (int t = 0; t < L; t++) {
                x[i + t] = run[2 * t + LOW_HALF];
                x[i + L + t] = run[2 * t + 1 - LOW_HALF];
            }
        }
    }

    @Override
    public void fromPairOrder(float[] x, int off, int n) {
        float[] run = new float[RUN];
        for (int i = off; i + RUN <= off + n; i += RUN) {
            System.arraycopy(x, i, run, 0, RUN);
            for (int t = 0; t < L; t++) {
                x[i + 2 * t + LOW_HALF] = run[t];
                x[i + 2 * t + 1 - LOW_HALF] = run[L + t];
            }
        }
    }
}
