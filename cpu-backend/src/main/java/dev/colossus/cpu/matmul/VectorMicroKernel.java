package dev.colossus.cpu.matmul;

import static dev.colossus.cpu.simd.NativeSegments.exact;

import dev.colossus.cpu.simd.Simd;
import dev.colossus.cpu.simd.VectorLanes;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MicroKernel} on the Vector API. With L floats per vector, the tile is 8 x 3L when there are
 * 32 vector registers (AVX-512, L = 16: 8 x 48, 24 accumulators; for attention 12 x 32, see {@link
 * MicroKernel#forAttention}) and 6 x 2L
 * otherwise (AVX2 and 128-bit, 16 registers: 12 accumulators). Each k step broadcasts one A element per
 * row and issues one FMA per accumulator; the tile goes to a float[] and {@link #store} adds it into C
 * (storing straight from the accumulators into a MemorySegment costs C2 a third of the kernel's
 * speed). The tile loops are generated ({@link VectorMicroKernelTiles}), two k steps an iteration so
 * that one step's loads issue under another's FMAs, a load fence
 * between the steps so that C2 does not hoist them all and spill accumulators; why, as measured:
 * {@code benchmarks/results/cpu/README.md}.
 */
final class VectorMicroKernel implements MicroKernel {
    private static final VectorSpecies<Float> S = VectorLanes.S;
    private static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final VectorSpecies<Short> HALVES = VectorLanes.HALVES;
    private static final VectorSpecies<Integer> INTS = VectorLanes.INTS;
    private static final int SKINNY_ROWS = 4;

    private static final VectorMask<Float> FIRST_HALF = VectorMask.fromLong(S, (1L << L / 2) - 1);
    private static final VectorMask<Float> SECOND_HALF = FIRST_HALF.not();
    /** {@link #interleave}'s selections: runs of 1, 2 and 4 from the first halves (LO) or the second (HI). */
    private static final FloatVector LO_1 = merge(1, 0), HI_1 = merge(1, 1), LO_2 = merge(2, 0), HI_2 = merge(2, 1),
            LO_4 = merge(4, 0), HI_4 = merge(4, 1);

    /** 32 vector registers (AVX-512): the 8 x 3L or 12 x 2L tile; else 6 x 2L. */
    private static final boolean WIDE = Simd.BITS == 512;

    /** The tile's rows and vectors where there are 32 vector registers: 8 x 3 or 12 x 2. */
    private final int rows, vectors;

    VectorMicroKernel(int rows, int vectors) {
        this.rows = rows;
        this.vectors = vectors;
    }

    @Override
    public int mr() {
        return !WIDE ? 6 : rows;
    }

    @Override
    public int nr() {
        return (WIDE ? vectors : 2) * L;
    }

    @Override
    public void multiply(int kc, float[] a, int aOff, float[] b, int bOff, float[] tile) {
        if (!WIDE) {
            VectorMicroKernelTiles.multiply6x2(kc, a, aOff, b, bOff, tile);
        } else if (vectors == 2) {
            VectorMicroKernelTiles.multiply12x2(kc, a, aOff, b, bOff, tile);
        } else {
            VectorMicroKernelTiles.multiply8x3(kc, a, aOff, b, bOff, tile);
        }
    }

    /*
     * Eight rows 16 columns at a time, transposed in registers by three rounds of two-vector
     * selections, each merging pairs of vectors in runs of 1, 2, then 4 elements: after them each
     * vector holds two columns of the 8 rows, stored whole where the stride is 8 and as two masked
     * halves elsewhere. Other counts and tiles, and the last columns, take the default.
     */
    @Override
    public void interleave(float[] rows, int rowsOff, int ld, int count, int kc, float[] dst, int dstOff, int stride) {
        if (!WIDE || L != 16 || count != 8) {
            MicroKernel.super.interleave(rows, rowsOff, ld, count, kc, dst, dstOff, stride);
            return;
        }
        FloatVector lo1 = LO_1, hi1 = HI_1, lo2 = LO_2, hi2 = HI_2, lo4 = LO_4, hi4 = HI_4;
        int k = 0;
        for (; k + L <= kc; k += L) {
            FloatVector r0 = FloatVector.fromArray(S, rows, rowsOff + k), r1 = FloatVector.fromArray(S, rows, rowsOff + ld + k);
            FloatVector r2 = FloatVector.fromArray(S, rows, rowsOff + 2 * ld + k), r3 = FloatVector.fromArray(S, rows, rowsOff + 3 * ld + k);
            FloatVector r4 = FloatVector.fromArray(S, rows, rowsOff + 4 * ld + k), r5 = FloatVector.fromArray(S, rows, rowsOff + 5 * ld + k);
            FloatVector r6 = FloatVector.fromArray(S, rows, rowsOff + 6 * ld + k), r7 = FloatVector.fromArray(S, rows, rowsOff + 7 * ld + k);
            // rows 0,1 | 2,3 | 4,5 | 6,7 element by element: columns 0-7 (lo) and 8-15 (hi)
            FloatVector p01lo = lo1.selectFrom(r0, r1), p01hi = hi1.selectFrom(r0, r1);
            FloatVector p23lo = lo1.selectFrom(r2, r3), p23hi = hi1.selectFrom(r2, r3);
            FloatVector p45lo = lo1.selectFrom(r4, r5), p45hi = hi1.selectFrom(r4, r5);
            FloatVector p67lo = lo1.selectFrom(r6, r7), p67hi = hi1.selectFrom(r6, r7);
            // rows 0-3 | 4-7, two at a time: columns 0-3, 4-7, 8-11, 12-15
            FloatVector q03c0 = lo2.selectFrom(p01lo, p23lo), q03c4 = hi2.selectFrom(p01lo, p23lo);
            FloatVector q03c8 = lo2.selectFrom(p01hi, p23hi), q03c12 = hi2.selectFrom(p01hi, p23hi);
            FloatVector q47c0 = lo2.selectFrom(p45lo, p67lo), q47c4 = hi2.selectFrom(p45lo, p67lo);
            FloatVector q47c8 = lo2.selectFrom(p45hi, p67hi), q47c12 = hi2.selectFrom(p45hi, p67hi);
            // rows 0-7, four at a time: columns k + 2m and k + 2m + 1 in vector m
            int at = dstOff + k * stride;
            storeColumns(lo4.selectFrom(q03c0, q47c0), dst, at, stride);
            storeColumns(hi4.selectFrom(q03c0, q47c0), dst, at + 2 * stride, stride);
            storeColumns(lo4.selectFrom(q03c4, q47c4), dst, at + 4 * stride, stride);
            storeColumns(hi4.selectFrom(q03c4, q47c4), dst, at + 6 * stride, stride);
            storeColumns(lo4.selectFrom(q03c8, q47c8), dst, at + 8 * stride, stride);
            storeColumns(hi4.selectFrom(q03c8, q47c8), dst, at + 10 * stride, stride);
            storeColumns(lo4.selectFrom(q03c12, q47c12), dst, at + 12 * stride, stride);
            storeColumns(hi4.selectFrom(q03c12, q47c12), dst, at + 14 * stride, stride);
        }
        for (; k < kc; k++) {
            for (int i = 0; i < 8; i++) {
                dst[dstOff + k * stride + i] = rows[rowsOff + i * ld + k];
            }
        }
    }

    /** Two columns of 8 rows (lanes 0-7, then 8-15) to {@code dst[at]} and {@code dst[at + stride]}. */
    private static void storeColumns(FloatVector columns, float[] dst, int at, int stride) {
        if (stride == 8) {
            columns.intoArray(dst, at);
        } else {
            columns.intoArray(dst, at, FIRST_HALF);
            columns.intoArray(dst, at + stride - 8, SECOND_HALF);
        }
    }

    @Override
    public void packB(MemorySegment b, long at, long rowBytes, boolean bf16, int kc, float[] dst, int dstOff) {
        int nr = nr(), size = bf16 ? 2 : 4;
        for (int k = 0; k < kc; k++, at += rowBytes, dstOff += nr) {
            for (int j = 0; j < nr; j += L) {
                load(b, at + (long) size * j, bf16).intoArray(dst, dstOff + j);
            }
        }
    }

    /**
     * Indices for {@code selectFrom(x, y)} that interleave runs of {@code run} elements of x and y,
     * from the first half of each ({@code half} 0) or the second: lane l takes element
     * {@code half * L/2 + (l / 2run) * run + l % run} of x when {@code (l / run)} is even, of y when odd.
     */
    private static FloatVector merge(int run, int half) {
        float[] index = new float[L];
        for (int l = 0; l < L; l++) {
            index[l] = (l / run) % 2 * L + half * L / 2 + l / (2 * run) * run + l % run;
        }
        return FloatVector.fromArray(S, index, 0);
    }

    /**
     * A run of L columns at a time down the rows, the addend's run loaded once for them. Without an
     * addend the loop adds nothing at all: adding zeros would turn a -0 of the tile into +0.
     */
    @Override
    public void store(float[] tile, int rows, int cols, float[] rowAddend, int addendOff, MemorySegment c, long cOff, long ldc,
            boolean accumulate) {
        int nr = nr();
        int j = 0;
        for (; j + L <= cols; j += L) {
            if (rowAddend == null) {
                for (int i = 0; i < rows; i++) {
                    store(FloatVector.fromArray(S, tile, i * nr + j), c, cOff + (i * ldc + j) * 4, accumulate);
                }
                continue;
            }
            FloatVector addend = FloatVector.fromArray(S, rowAddend, addendOff + j);
            for (int i = 0; i < rows; i++) {
                store(FloatVector.fromArray(S, tile, i * nr + j).add(addend), c, cOff + (i * ldc + j) * 4, accumulate);
            }
        }
        for (; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                long at = cOff + (i * ldc + j) * 4;
                float v = rowAddend == null ? tile[i * nr + j] : tile[i * nr + j] + rowAddend[addendOff + j];
                c.set(F32, at, accumulate ? c.get(F32, at) + v : v);
            }
        }
    }

    /** {@code C = v} or {@code C += v} at byte {@code at}. */
    private static void store(FloatVector v, MemorySegment c, long at, boolean accumulate) {
        (accumulate ? v.add(FloatVector.fromMemorySegment(S, exact(c), at, ORDER)) : v).intoMemorySegment(exact(c), at, ORDER);
    }

    @Override
    public int skinnyRows() {
        return SKINNY_ROWS;
    }

    /*
     * Register-blocked, B streamed once: one row takes 8L columns per pass (8 accumulators, eight B
     * vectors per k step), two to four rows take 4L columns (16 accumulators; unused rows of a are
     * zero). Columns past the last whole pass are summed one by one.
     */
    @Override
    public void multiplyRows(int rows, int k, int n, float[] a, MemorySegment b, long bOff, long bRowBytes, boolean bf16,
            MemorySegment c, long cOff, long ldc) {
        int size = bf16 ? 2 : 4;
        int j = rows > 1 ? 0 : bf16 ? oneRowBf16(k, n, a, b, bOff, bRowBytes, c, cOff) : oneRowF32(k, n, a, b, bOff, bRowBytes, c, cOff);
        for (; j + 4 * L <= n; j += 4 * L) {
            FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
            FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
            FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
            FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
            long row = bOff + (long) j * size;
            for (int kk = 0; kk < k; kk++, row += bRowBytes) {
                FloatVector b0 = load(b, row, bf16), b1 = load(b, row + L * size, bf16);
                FloatVector b2 = load(b, row + 2L * L * size, bf16), b3 = load(b, row + 3L * L * size, bf16);
                FloatVector a0 = FloatVector.broadcast(S, a[kk]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02); c03 = a0.fma(b3, c03);
                FloatVector a1 = FloatVector.broadcast(S, a[k + kk]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12); c13 = a1.fma(b3, c13);
                FloatVector a2 = FloatVector.broadcast(S, a[2 * k + kk]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22); c23 = a2.fma(b3, c23);
                FloatVector a3 = FloatVector.broadcast(S, a[3 * k + kk]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31); c32 = a3.fma(b2, c32); c33 = a3.fma(b3, c33);
            }
            long at = cOff + (long) j * 4;
            store4(c, at, c00, c01, c02, c03);
            if (rows > 1) {
                store4(c, at + ldc * 4, c10, c11, c12, c13);
            }
            if (rows > 2) {
                store4(c, at + 2 * ldc * 4, c20, c21, c22, c23);
            }
            if (rows > 3) {
                store4(c, at + 3 * ldc * 4, c30, c31, c32, c33);
            }
        }
        for (; j < n; j++) {
            for (int i = 0; i < rows; i++) {
                float sum = 0;
                for (int kk = 0; kk < k; kk++) {
                    long at = bOff + kk * bRowBytes + (long) j * size;
                    sum += a[i * k + kk] * (bf16 ? Float.intBitsToFloat(b.get(I16, at) << 16) : b.get(F32, at));
                }
                c.set(F32, cOff + (i * ldc + j) * 4, sum);
            }
        }
    }

    /** One row of a against 8L F32 columns per pass; returns the first column it left. */
    private static int oneRowF32(int k, int n, float[] a, MemorySegment b, long bOff, long bRowBytes, MemorySegment c, long cOff) {
        int size = 4;
        int j = 0;
        for (; j + 8 * L <= n; j += 8 * L) {
            FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
            FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
            long row = bOff + (long) j * size;
            long step = (long) L * size;
            for (int kk = 0; kk < k; kk++, row += bRowBytes) {
                FloatVector a0 = FloatVector.broadcast(S, a[kk]);
                c0 = a0.fma(FloatVector.fromMemorySegment(S, exact(b), row, ORDER), c0);
                c1 = a0.fma(FloatVector.fromMemorySegment(S, exact(b), row + step, ORDER), c1);
                c2 = a0.fma(FloatVector.fromMemorySegment(S, exact(b), row + 2 * step, ORDER), c2);
                c3 = a0.fma(FloatVector.fromMemorySegment(S, exact(b), row + 3 * step, ORDER), c3);
                c4 = a0.fma(FloatVector.fromMemorySegment(S, exact(b), row + 4 * step, ORDER), c4);
                c5 = a0.fma(FloatVector.fromMemorySegment(S, exact(b), row + 5 * step, ORDER), c5);
                c6 = a0.fma(FloatVector.fromMemorySegment(S, exact(b), row + 6 * step, ORDER), c6);
                c7 = a0.fma(FloatVector.fromMemorySegment(S, exact(b), row + 7 * step, ORDER), c7);
            }
            long at = cOff + (long) j * 4;
            store4(c, at, c0, c1, c2, c3);
            store4(c, at + 4L * L * 4, c4, c5, c6, c7);
        }
        return j;
    }

    /**
     * {@link #oneRowF32} for BF16 columns. Each int loaded holds two BF16 columns: the even one in
     * its low half (shifted up, it is an F32) and the odd one in its high half (masked, likewise), so
     * even and odd columns are summed apart and interleaved once per pass.
     */
    private static int oneRowBf16(int k, int n, float[] a, MemorySegment b, long bOff, long bRowBytes, MemorySegment c, long cOff) {
        int j = 0;
        float[] even = new float[4 * L], odd = new float[4 * L];
        for (; j + 8 * L <= n; j += 8 * L) {
            FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S), e2 = FloatVector.zero(S), e3 = FloatVector.zero(S);
            FloatVector o0 = FloatVector.zero(S), o1 = FloatVector.zero(S), o2 = FloatVector.zero(S), o3 = FloatVector.zero(S);
            long row = bOff + (long) j * 2;
            long step = (long) L * 4;
            for (int kk = 0; kk < k; kk++, row += bRowBytes) {
                FloatVector a0 = FloatVector.broadcast(S, a[kk]);
                IntVector p0 = IntVector.fromMemorySegment(INTS, exact(b), row, ORDER);
                IntVector p1 = IntVector.fromMemorySegment(INTS, exact(b), row + step, ORDER);
                IntVector p2 = IntVector.fromMemorySegment(INTS, exact(b), row + 2 * step, ORDER);
                IntVector p3 = IntVector.fromMemorySegment(INTS, exact(b), row + 3 * step, ORDER);
                e0 = a0.fma(p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), e0);
                o0 = a0.fma(p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats(), o0);
                e1 = a0.fma(p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), e1);
                o1 = a0.fma(p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats(), o1);
                e2 = a0.fma(p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), e2);
                o2 = a0.fma(p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats(), o2);
                e3 = a0.fma(p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), e3);
                o3 = a0.fma(p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats(), o3);
            }
            e0.intoArray(even, 0); e1.intoArray(even, L); e2.intoArray(even, 2 * L); e3.intoArray(even, 3 * L);
            o0.intoArray(odd, 0); o1.intoArray(odd, L); o2.intoArray(odd, 2 * L); o3.intoArray(odd, 3 * L);
            for (int i = 0; i < 4 * L; i++) {
                c.set(F32, cOff + (j + 2L * i) * 4, even[i]);
                c.set(F32, cOff + (j + 2L * i + 1) * 4, odd[i]);
            }
        }
        return j;
    }

    private static void store4(MemorySegment c, long at, FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3) {
        v0.intoMemorySegment(exact(c), at, ORDER);
        v1.intoMemorySegment(exact(c), at + L * 4L, ORDER);
        v2.intoMemorySegment(exact(c), at + 2L * L * 4, ORDER);
        v3.intoMemorySegment(exact(c), at + 3L * L * 4, ORDER);
    }

    /** L floats at byte {@code at}: F32, or BF16 widened. */
    private static FloatVector load(MemorySegment b, long at, boolean bf16) {
        return bf16 ? widen(b, at) : FloatVector.fromMemorySegment(S, exact(b), at, ORDER);
    }

    /** L BF16 values at byte {@code at} as F32: each the upper half of an F32. */
    private static FloatVector widen(MemorySegment b, long at) {
        ShortVector halves = ShortVector.fromMemorySegment(HALVES, exact(b), at, ORDER);
        return ((IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, INTS, 0)).lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }
}
