package dev.colossus.cpu.simd;

import dev.colossus.DType;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs of integer elements (I64, I32, I16, I8 and U8) to and from long buffers, as {@link FloatIO}
 * moves the floating types through float buffers: loads widen (U8 as 0 to 255), stores narrow to the
 * low bits or write 0 and 1 (BOOL), as {@code (int)}, {@code (short)}, {@code (byte)} and {@code != 0}
 * in Java. A run is {@code n} elements from element offset {@code at}, {@code stride} apart;
 * contiguous runs take loops C2 compiles to vector code.
 */
public final class LongIO {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    private LongIO() {
    }

    /** Whether {@link #load} reads and {@link #store} writes {@code dtype} as an integer kernel's operand: I64, I32, I16, I8 and U8. */
    public static boolean handles(DType dtype) {
        return switch (dtype) {
            case I64, I32, I16, I8, U8 -> true;
            default -> false;
        };
    }

    /** Whether {@link #load} reads {@code dtype}: those of {@link #handles}, and BOOL (as 0 and 1). */
    public static boolean loads(DType dtype) {
        return handles(dtype) || dtype == DType.BOOL;
    }

    /** {@code dst[0, n) = x's run}, widened to long. */
    public static void load(Operand x, long at, long stride, long[] dst, int n) {
        MemorySegment m = x.segment();
        switch (x.dtype()) {
            case I64 -> {
                if (stride == 1) {
                    MemorySegment.copy(m, I64, at * 8, dst, 0, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[i] = m.get(I64, (at + i * stride) * 8);
                    }
                }
            }
            case I32 -> {
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        dst[i] = m.get(I32, at * 4 + 4L * i);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[i] = m.get(I32, (at + i * stride) * 4);
                    }
                }
            }
            case I16 -> {
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        dst[i] = m.get(I16, at * 2 + 2L * i);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[i] = m.get(I16, (at + i * stride) * 2);
                    }
                }
            }
            case I8 -> {
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        dst[i] = m.get(I8, at + i);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[i] = m.get(I8, at + i * stride);
                    }
                }
            }
            case U8 -> {
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        dst[i] = m.get(I8, at + i) & 0xFF;
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[i] = m.get(I8, at + i * stride) & 0xFF;
                    }
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    dst[i] = m.get(I8, at + i * stride) != 0 ? 1 : 0;
                }
            }
            default -> throw new IllegalArgumentException("LongIO: no load from " + x.dtype());
        }
    }

    /** {@code out's run = src[0, n)}, narrowed to out's dtype: one of {@link #handles}, or BOOL. */
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
            case I16 -> {
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        m.set(I16, at * 2 + 2L * i, (short) src[i]);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        m.set(I16, (at + i * stride) * 2, (short) src[i]);
                    }
                }
            }
            case I8, U8 -> {
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        m.set(I8, at + i, (byte) src[i]);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        m.set(I8, at + i * stride, (byte) src[i]);
                    }
                }
            }
            case BOOL -> {
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        m.set(I8, at + i, (byte) (src[i] != 0 ? 1 : 0));
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        m.set(I8, at + i * stride, (byte) (src[i] != 0 ? 1 : 0));
                    }
                }
            }
            default -> throw new IllegalArgumentException("LongIO: no store to " + out.dtype());
        }
    }
}
