package dev.colossus.cpu.matmul;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link MicroKernel} in plain Java: a 4 x 4 tile in 16 scalar accumulators, each product added with
 * one rounding ({@link Math#fma}) in k's order, as the vector kernels add theirs: the F32 product has
 * the same bits with or without the Vector API ({@code DeterminismTest}).
 */
final class ScalarMicroKernel implements MicroKernel {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public int mr() {
        return 4;
    }

    @Override
    public int nr() {
        return 4;
    }

    @Override
    public void multiply(int kc, float[] a, int aOff, float[] b, int bOff, float[] tile) {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k = 0, ak = aOff, bk = bOff; k < kc; k++, ak += 4, bk += 4) {
            float b0 = b[bk], b1 = b[bk + 1], b2 = b[bk + 2], b3 = b[bk + 3];
            float a0 = a[ak];
            c00 = Math.fma(a0, b0, c00); c01 = Math.fma(a0, b1, c01); c02 = Math.fma(a0, b2, c02); c03 = Math.fma(a0, b3, c03);
            float a1 = a[ak + 1];
            c10 = Math.fma(a1, b0, c10); c11 = Math.fma(a1, b1, c11); c12 = Math.fma(a1, b2, c12); c13 = Math.fma(a1, b3, c13);
            float a2 = a[ak + 2];
            c20 = Math.fma(a2, b0, c20); c21 = Math.fma(a2, b1, c21); c22 = Math.fma(a2, b2, c22); c23 = Math.fma(a2, b3, c23);
            float a3 = a[ak + 3];
            c30 = Math.fma(a3, b0, c30); c31 = Math.fma(a3, b1, c31); c32 = Math.fma(a3, b2, c32); c33 = Math.fma(a3, b3, c33);
        }
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
        tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
    }

    @Override
    public void store(float[] tile, int rows, int cols, float[] rowAddend, int addendOff, MemorySegment c, long cOff, long ldc,
            boolean accumulate) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                long at = cOff + (i * ldc + j) * 4;
                float v = rowAddend == null ? tile[i * 4 + j] : tile[i * 4 + j] + rowAddend[addendOff + j];
                c.set(F32, at, accumulate ? c.get(F32, at) + v : v);
            }
        }
    }

    @Override
    public int skinnyRows() {
        return 0;
    }

    @Override
    public void multiplyRows(int rows, int k, int n, float[] a, MemorySegment b, long bOff, long bRowBytes, boolean bf16,
            MemorySegment c, long cOff, long ldc) {
        throw new UnsupportedOperationException("the scalar kernels pack every product");
    }
}
