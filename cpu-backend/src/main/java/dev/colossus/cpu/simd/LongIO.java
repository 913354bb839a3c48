package dev.colossus.cpu.simd;

import dev.colossus.DType;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs of I32 and I64 elements to and from long buffers, as {@link FloatIO} moves the floating types
 * through float buffers: loads widen, stores narrow to the low bits (I32) or write 0 and 1 (BOOL),
 * as {@code (int)} and {@code != 0} in Java. A run is {@code n} elements from element offset {@code at},
 * {@code stride} apart; contiguous runs take loops C2 compiles to vector code.
 */
public final class LongIO {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private LongIO() {
    }

    /** Whether {@link #load} reads and {@link #store} writes {@code dtype} as an integer kernel's operand: I32 and I64. */
    public static boolean handles(DType dtype) {
        return dtype == DType.I32 || dtype == DType.I64;
    }

    /** Whether {@link #load} reads {@code dtype}: I32, I64, and BOOL (as 0 and 1). */
    public static boolean loads(DType dtype) {
        return handles(dtype) || dtype == DType.BOOL;
    }

    /** {@code dst[0, n) = x's run}, widened to long. */
    public static void load(Operand x, long at, long stride, long[] dst, int n) {
        MemorySegment m = x.segment();
        if (x.dtype() == DType.I64 && stride == 1) {
            MemorySegment.copy(m, I64, at * 8, dst, 0, n);
        } else if (x.dtype() == DType.I64) {
            for (int i = 0; i < n; i++) {
                dst[i] = m.get(I64, (at + i * stride) * 8);
            }
        } else if (x.dtype() == DType.BOOL) {
            for (int i = 0; i < n; i++) {
                dst[i] = m.get(ValueLayout.JAVA_BYTE, at + i * stride) != 0 ? 1 : 0;
            }
        } else if (stride == 1) {
            for (int i = 0; i < n; i++) {
                dst[i] = m.get(I32, at * 4 + 4L * i);
            }
        } else {
            for (int i = 0; i < n; i++) {
                dst[i] = m.get(I32, (at + i * stride) * 4);
            }
        }
    }

    /** {@code out's run = src[0, n)}, narrowed to out's dtype: I64, I32 or BOOL. */
    public static void store(long[] src, int n, Operand out, long at, long stride) {
        MemorySegment m = out.segment();
        switch (out.dtype()) {
            case I64 -> {
                if (stride == 1) {
                    MemorySegment.copy(src, 0, m, I64, at * 8, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        m.set(I64, (at + i * stride) * 8, src[i]);
                    }
                }
            }
            case I32 -> {
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        m.set(I32, at * 4 + 4L * i, (int) src[i]);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        m.set(I32, (at + i * stride) * 4, (int) src[i]);
                    }
                }
            }
            case BOOL -> {
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        m.set(ValueLayout.JAVA_BYTE, at + i, (byte) (src[i] != 0 ? 1 : 0));
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        m.set(ValueLayout.JAVA_BYTE, at + i * stride, (byte) (src[i] != 0 ? 1 : 0));
                    }
                }
            }
            default -> throw new IllegalArgumentException("LongIO: no store to " + out.dtype());
        }
    }
}
