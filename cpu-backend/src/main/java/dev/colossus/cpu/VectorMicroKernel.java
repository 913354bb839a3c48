package dev.colossus.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MicroKernel} on the Vector API. With L floats per vector, the tile is 8 x 3L when there are
 * 32 vector registers (AVX-512, L = 16: 8 x 48, 24 accumulators) and 6 x 2L otherwise (AVX2 and
 * 128-bit, 16 registers: 12 accumulators). Each k step broadcasts one A element per row and issues
 * one FMA per accumulator.
 */
final class VectorMicroKernel implements MicroKernel {
    private static final VectorSpecies<Float> S = VectorFloatKernels.S;
    private static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** 32 vector registers (AVX-512): the 8 x 3L tile; else 6 x 2L. */
    private static final boolean WIDE = Simd.BITS == 512;

    @Override
    public int mr() {
        return WIDE ? 8 : 6;
    }

    @Override
    public int nr() {
        return WIDE ? 3 * L : 2 * L;
    }

    @Override
    public void multiply(int kc, float[] a, int aOff, float[] b, int bOff, MemorySegment c, long cOff, long ldc,
            boolean accumulate) {
        if (WIDE) {
            multiply8x3(kc, a, aOff, b, bOff, c, cOff, ldc, accumulate);
        } else {
            multiply6x2(kc, a, aOff, b, bOff, c, cOff, ldc, accumulate);
        }
    }

    /** The 8 x 3L tile: 24 accumulators, 3 B vectors and one A broadcast in registers. */
    private static void multiply8x3(int kc, float[] a, int aOff, float[] b, int bOff, MemorySegment c, long cOff,
            long ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int k = 0, ak = aOff, bk = bOff; k < kc; k++, ak += 8, bk += 3 * L) {
            FloatVector b0 = FloatVector.fromArray(S, b, bk);
            FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bk + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, a[ak]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
            FloatVector a1 = FloatVector.broadcast(S, a[ak + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
            FloatVector a2 = FloatVector.broadcast(S, a[ak + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22);
            FloatVector a3 = FloatVector.broadcast(S, a[ak + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31); c32 = a3.fma(b2, c32);
            FloatVector a4 = FloatVector.broadcast(S, a[ak + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41); c42 = a4.fma(b2, c42);
            FloatVector a5 = FloatVector.broadcast(S, a[ak + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51); c52 = a5.fma(b2, c52);
            FloatVector a6 = FloatVector.broadcast(S, a[ak + 6]);
            c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61); c62 = a6.fma(b2, c62);
            FloatVector a7 = FloatVector.broadcast(S, a[ak + 7]);
            c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71); c72 = a7.fma(b2, c72);
        }
        store(c00, c, cOff, accumulate); store(c01, c, cOff + L * 4, accumulate); store(c02, c, cOff + 2 * L * 4, accumulate);
        store(c10, c, cOff + ldc * 4, accumulate); store(c11, c, cOff + ldc * 4 + L * 4, accumulate); store(c12, c, cOff + ldc * 4 + 2 * L * 4, accumulate);
        store(c20, c, cOff + 2 * ldc * 4, accumulate); store(c21, c, cOff + 2 * ldc * 4 + L * 4, accumulate); store(c22, c, cOff + 2 * ldc * 4 + 2 * L * 4, accumulate);
        store(c30, c, cOff + 3 * ldc * 4, accumulate); store(c31, c, cOff + 3 * ldc * 4 + L * 4, accumulate); store(c32, c, cOff + 3 * ldc * 4 + 2 * L * 4, accumulate);
        store(c40, c, cOff + 4 * ldc * 4, accumulate); store(c41, c, cOff + 4 * ldc * 4 + L * 4, accumulate); store(c42, c, cOff + 4 * ldc * 4 + 2 * L * 4, accumulate);
        store(c50, c, cOff + 5 * ldc * 4, accumulate); store(c51, c, cOff + 5 * ldc * 4 + L * 4, accumulate); store(c52, c, cOff + 5 * ldc * 4 + 2 * L * 4, accumulate);
        store(c60, c, cOff + 6 * ldc * 4, accumulate); store(c61, c, cOff + 6 * ldc * 4 + L * 4, accumulate); store(c62, c, cOff + 6 * ldc * 4 + 2 * L * 4, accumulate);
        store(c70, c, cOff + 7 * ldc * 4, accumulate); store(c71, c, cOff + 7 * ldc * 4 + L * 4, accumulate); store(c72, c, cOff + 7 * ldc * 4 + 2 * L * 4, accumulate);
    }

    /** The 6 x 2L tile: 12 accumulators, 2 B vectors and one A broadcast in registers. */
    private static void multiply6x2(int kc, float[] a, int aOff, float[] b, int bOff, MemorySegment c, long cOff,
            long ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int k = 0, ak = aOff, bk = bOff; k < kc; k++, ak += 6, bk += 2 * L) {
            FloatVector b0 = FloatVector.fromArray(S, b, bk);
            FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
            FloatVector a0 = FloatVector.broadcast(S, a[ak]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[ak + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[ak + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[ak + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[ak + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[ak + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
        }
        store(c00, c, cOff, accumulate); store(c01, c, cOff + L * 4, accumulate);
        store(c10, c, cOff + ldc * 4, accumulate); store(c11, c, cOff + ldc * 4 + L * 4, accumulate);
        store(c20, c, cOff + 2 * ldc * 4, accumulate); store(c21, c, cOff + 2 * ldc * 4 + L * 4, accumulate);
        store(c30, c, cOff + 3 * ldc * 4, accumulate); store(c31, c, cOff + 3 * ldc * 4 + L * 4, accumulate);
        store(c40, c, cOff + 4 * ldc * 4, accumulate); store(c41, c, cOff + 4 * ldc * 4 + L * 4, accumulate);
        store(c50, c, cOff + 5 * ldc * 4, accumulate); store(c51, c, cOff + 5 * ldc * 4 + L * 4, accumulate);
    }

    private static void store(FloatVector tile, MemorySegment c, long offset, boolean accumulate) {
        FloatVector out = accumulate ? tile.add(FloatVector.fromMemorySegment(S, c, offset, ORDER)) : tile;
        out.intoMemorySegment(c, offset, ORDER);
    }
}
