package dev.colossus.cpu.simd;

import dev.colossus.DType;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs of F64 elements to and from double buffers, as {@link FloatIO} moves the F32 kernels' dtypes
 * through float buffers: loads read F64; stores write F64, or BOOL as {@code v != 0} (a comparison's
 * output, and a cast's, as the reference writes them). A run is {@code n} elements from element
 * offset {@code at}, {@code stride} apart.
 */
public final class DoubleIO {
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private DoubleIO() {
    }

    /** {@code dst[0, n) = x's run}, x F64. */
    public static void load(Operand x, long at, long stride, double[] dst, int n) {
        MemorySegment m = x.segment();
        if (stride == 1) {
            MemorySegment.copy(m, F64, at * 8, dst, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                dst[i] = m.get(F64, (at + i * stride) * 8);
            }
        }
    }

    /** {@code out's run = src[0, n)}, out F64 or BOOL. */
    public static void store(double[] src, int n, Operand out, long at, long stride) {
        MemorySegment m = out.segment();
        if (out.dtype() == DType.BOOL) {
            for (int i = 0; i < n; i++) {
                m.set(ValueLayout.JAVA_BYTE, at + i * stride, (byte) (src[i] != 0 ? 1 : 0));
            }
        } else if (stride == 1) {
            MemorySegment.copy(src, 0, m, F64, at * 8, n);
        } else {
            for (int i = 0; i < n; i++) {
                m.set(F64, (at + i * stride) * 8, src[i]);
            }
        }
    }
}
