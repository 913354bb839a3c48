package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The row-major to column-major mapping, checked without a GPU: the plan's cuBLAS call is emulated
 * on the CPU exactly as cuBLAS defines it (column-major, op flags, leading dimensions, batch strides)
 * and compared with the row-major product computed straight from the operands' strides.
 */
class GemmPlanTest {
    private final Random random = new Random(42);

    /** A strided operand over a float array, which plays the device buffer. */
    private record Matrix(Operand operand, float[] data) {
    }

    private enum Layout { CONTIGUOUS, TRANSPOSED, PADDED, OFFSET }

    @Test
    void everyLayoutPairAndOddSizes() {
        long[][] sizes = {{1, 1, 1}, {1, 7, 5}, {6, 1, 3}, {5, 4, 1}, {3, 17, 33}, {33, 2, 9}, {16, 16, 16}};
        for (long[] s : sizes) {
            for (Layout la : Layout.values()) {
                for (Layout lb : Layout.values()) {
                    check(new long[] {}, s[0], s[1], s[2], la, lb, false, false);
                }
            }
        }
    }

    @Test
    void batchedBroadcastAndTransposedBatches() {
        for (Layout la : Layout.values()) {
            for (Layout lb : Layout.values()) {
                check(new long[] {3}, 4, 5, 6, la, lb, false, false);
                check(new long[] {2, 3}, 5, 3, 2, la, lb, false, false);
                check(new long[] {2, 3}, 5, 3, 2, la, lb, true, false);
                check(new long[] {4}, 1, 7, 3, la, lb, false, true);
            }
        }
    }

    @Test
    void operandsWithoutAUnitStrideNeedACopy() {
        Operand a = operand(Shape.of(4, 6), new long[] {12, 2}, 0);
        Operand b = operand(Shape.of(6, 3), new long[] {3, 1}, 0);
        Operand out = operand(Shape.of(4, 3), new long[] {3, 1}, 0);
        assertNull(GemmPlan.of(a, b, out));
    }

    @Test
    void unevenBatchStridesNeedACopy() {
        Operand a = operand(Shape.of(2, 3, 4, 5), new long[] {0, 20, 5, 1}, 0);
        Operand b = operand(Shape.of(2, 3, 5, 2), new long[] {30, 10, 2, 1}, 0);
        Operand out = operand(Shape.of(2, 3, 4, 2), new long[] {24, 8, 2, 1}, 0);
        assertNull(GemmPlan.of(a, b, out));
    }

    @Test
    void anOutputCublasCannotWriteIsNotWrittenInPlace() {
        Shape heads = Shape.of(2, 3, 4, 5);
        Operand byQuery = operand(heads, new long[] {60, 5, 15, 1}, 0);
        Operand columnMajor = operand(Shape.of(4, 5), new long[] {1, 4}, 0);
        Operand everyOther = operand(Shape.of(4, 5), new long[] {10, 2}, 0);
        assertFalse(GemmPlan.writes(byQuery), "(B, H, L, D) viewed over (B, L, H, D)");
        assertFalse(GemmPlan.writes(columnMajor));
        assertFalse(GemmPlan.writes(everyOther));
        assertTrue(GemmPlan.writes(operand(heads, heads.contiguousStrides(), 0)));
        assertTrue(GemmPlan.writes(operand(Shape.of(4, 5), new long[] {8, 1}, 3)), "padded rows");
        assertTrue(GemmPlan.writes(operand(Shape.of(3, 1, 5), new long[] {5, 0, 1}, 0)), "a row of one");
        Operand a = operand(Shape.of(2, 3, 4, 7), Shape.of(2, 3, 4, 7).contiguousStrides(), 0);
        Operand b = operand(Shape.of(2, 3, 7, 5), Shape.of(2, 3, 7, 5).contiguousStrides(), 0);
        assertNull(GemmPlan.of(a, b, byQuery));
        assertNotNull(GemmPlan.of(a, b, operand(heads, heads.contiguousStrides(), 0)), "the scratch CublasMatMul writes instead");
    }

    private void check(long[] batch, long m, long n, long k, Layout la, Layout lb, boolean broadcastA, boolean broadcastB) {
        Matrix a = matrix(batch, m, k, la, broadcastA);
        Matrix b = matrix(batch, k, n, lb, broadcastB);
        Shape outShape = Shape.of(batch).append(m, n);
        Operand out = operand(outShape, outShape.contiguousStrides(), 0);
        GemmPlan plan = GemmPlan.of(a.operand(), b.operand(), out);
        String context = "batch " + Shape.of(batch) + " m=" + m + " n=" + n + " k=" + k + " a " + la + (broadcastA ? " broadcast" : "")
                + ", b " + lb + (broadcastB ? " broadcast" : "") + ": " + plan;
        assertNotNull(plan, context);
        float[] c = new float[(int) out.numel()];
        emulateCublas(plan, b.data(), a.data(), c);
        float[] expected = rowMajorProduct(a.operand(), a.data(), b.operand(), b.data(), out);
        for (int i = 0; i < c.length; i++) {
            assertEquals(expected[i], c[i], 1e-4 * (1 + Math.abs(expected[i])), context + " at " + i);
        }
    }

    /** What cuBLAS computes: {@code C_p = op(A_p) op(B_p)}, column-major, alpha 1, beta 0. */
    private static void emulateCublas(GemmPlan p, float[] aBuffer, float[] bBuffer, float[] cBuffer) {
        for (int batch = 0; batch < p.batch(); batch++) {
            long a0 = p.aOffset() + batch * p.strideA(), b0 = p.bOffset() + batch * p.strideB();
            long c0 = p.cOffset() + batch * p.strideC();
            for (int i = 0; i < p.m(); i++) {
                for (int j = 0; j < p.n(); j++) {
                    double sum = 0;
                    for (int l = 0; l < p.k(); l++) {
                        float x = aBuffer[(int) (a0 + (p.transA() == Cublas.OP_N ? i + (long) l * p.lda() : l + (long) i * p.lda()))];
                        float y = bBuffer[(int) (b0 + (p.transB() == Cublas.OP_N ? l + (long) j * p.ldb() : j + (long) l * p.ldb()))];
                        sum += (double) x * y;
                    }
                    cBuffer[(int) (c0 + i + (long) j * p.ldc())] = (float) sum;
                }
            }
        }
    }

    private static float[] rowMajorProduct(Operand a, float[] aData, Operand b, float[] bData, Operand out) {
        int r = out.rank();
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        long batches = out.numel() / Math.max(1, m * n);
        float[] result = new float[(int) out.numel()];
        for (long p = 0; p < batches; p++) {
            long aBase = a.offset(), bBase = b.offset();
            for (int d = r - 3, rest = (int) p; d >= 0; d--) {
                long digit = rest % out.dim(d);
                rest /= (int) out.dim(d);
                aBase += digit * a.strides()[d];
                bBase += digit * b.strides()[d];
            }
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < n; j++) {
                    double sum = 0;
                    for (long l = 0; l < k; l++) {
                        sum += (double) aData[(int) (aBase + i * a.strides()[r - 2] + l * a.strides()[r - 1])]
                                * bData[(int) (bBase + l * b.strides()[r - 2] + j * b.strides()[r - 1])];
                    }
                    result[(int) (p * m * n + i * n + j)] = (float) sum;
                }
            }
        }
        return result;
    }

    /** A (batch..., rows, cols) operand with the given storage layout, over random data. */
    private Matrix matrix(long[] batch, long rows, long cols, Layout layout, boolean broadcast) {
        long matrixSize;
        long rowStride, colStride, offset = 0;
        switch (layout) {
            case TRANSPOSED -> {
                rowStride = 1;
                colStride = rows;
                matrixSize = rows * cols;
            }
            case PADDED -> {
                rowStride = cols + 3;
                colStride = 1;
                matrixSize = rows * (cols + 3);
            }
            case OFFSET -> {
                rowStride = cols;
                colStride = 1;
                offset = 5;
                matrixSize = rows * cols;
            }
            default -> {
                rowStride = cols;
                colStride = 1;
                matrixSize = rows * cols;
            }
        }
        long[] strides = new long[batch.length + 2];
        long step = matrixSize;
        for (int d = batch.length - 1; d >= 0; d--) {
            strides[d] = broadcast ? 0 : step;
            step *= broadcast ? 1 : batch[d];
        }
        strides[batch.length] = rowStride;
        strides[batch.length + 1] = colStride;
        float[] data = new float[(int) (offset + step + 8)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return new Matrix(operand(Shape.of(batch).append(rows, cols), strides, offset), data);
    }

    private static Operand operand(Shape shape, long[] strides, long offset) {
        return new Operand(HostStorage.allocate(8), DType.F32, shape, strides, offset);
    }
}
