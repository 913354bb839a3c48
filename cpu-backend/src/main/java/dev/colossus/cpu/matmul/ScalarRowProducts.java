package dev.colossus.cpu.matmul;

import dev.colossus.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link RowProducts} in plain Java: the path when the Vector API is absent or {@code
 * colossus.cpu.vectorBits=0}, and the tails of the vector loops.
 */
final class ScalarRowProducts implements RowProducts {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort HALF_BITS = ValueLayout.JAVA_SHORT_UNALIGNED;

    @Override
    public void dots(float[] q, int rows, int d, MemorySegment k, long at, long rowBytes, DType dtype, int keys, float[] out) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < keys; j++) {
                out[r * keys + j] = dot(q, r * d, d, k, at + j * rowBytes, dtype);
            }
        }
    }

    @Override
    public void weightDots(float[] q, int rows, int d, MemorySegment k, long at, long rowBytes, DType dtype, int keys, float[] out) {
        for (int j = 0; j < keys; j++) {
            for (int r = 0; r < rows; r++) {
                out[r * keys + j] = dot(q, r * d, d, k, at + j * rowBytes, dtype);
            }
        }
    }

    /** {@code q[off, off + d) . k[0, d)}, k the row at byte {@code row}: even and odd elements in two sums. */
    private static float dot(float[] q, int off, int d, MemorySegment k, long row, DType dtype) {
        float s0 = 0, s1 = 0;
        int i = 0;
        for (; i + 2 <= d; i += 2) {
            s0 += q[off + i] * element(k, row, i, dtype);
            s1 += q[off + i + 1] * element(k, row, i + 1, dtype);
        }
        for (; i < d; i++) {
            s0 += q[off + i] * element(k, row, i, dtype);
        }
        return s0 + s1;
    }

    @Override
    public void bf16Dots(int[] x, int from, int d, MemorySegment k, long at, long rowBytes, int keys, float[] out) {
        for (int j = 0; j < keys; j++) {
            float s0 = 0, s1 = 0;
            int i = 0;
            for (; i + 2 <= d; i += 2) {
                s0 += RowProducts.wordValue(x, from + i) * element(k, at + j * rowBytes, i, DType.BF16);
                s1 += RowProducts.wordValue(x, from + i + 1) * element(k, at + j * rowBytes, i + 1, DType.BF16);
            }
            if (i < d) {
                s0 += RowProducts.wordValue(x, from + i) * element(k, at + j * rowBytes, i, DType.BF16);
            }
            out[j] = s0 + s1;
        }
    }

    @Override
    public void addProducts(float[] p, int rows, int keys, MemorySegment v, long at, long rowBytes, DType dtype, int d, float[] out) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < keys; j++) {
                for (int c = 0; c < d; c++) {
                    out[r * d + c] += p[r * keys + j] * element(v, at + j * rowBytes, c, dtype);
                }
            }
        }
    }

    /** Element i of the F32, F16 or BF16 row at byte {@code row} of m. */
    static float element(MemorySegment m, long row, int i, DType dtype) {
        return switch (dtype) {
            case BF16 -> Float.intBitsToFloat(m.get(HALF_BITS, row + 2L * i) << 16);
            case F16 -> Float.float16ToFloat(m.get(HALF_BITS, row + 2L * i));
            default -> m.get(F32, row + 4L * i);
        };
    }

    @Override
    public void toPairOrder(float[] x, int off, int n) {
    }

    @Override
    public void fromPairOrder(float[] x, int off, int n) {
    }
}
