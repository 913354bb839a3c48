package dev.colossus.cpu.simd;

import dev.colossus.DType;
import dev.colossus.reference.Elements;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Moves runs of elements between host memory and {@code float[]} buffers, converting from and to the
 * dtypes the CPU kernels compute in F32: F32, F16, BF16, and BOOL (as 0 and 1); and the 8-bit floats,
 * which casts pass through F32 ({@link Float8Codes}).
 */
public final class FloatIO {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Elements a buffer holds: the run that buffered kernels load, compute and store at a time. */
    public static final int BLOCK = 4096;

    private FloatIO() {
    }

    /** Whether the F32 kernels read and write this dtype. */
    public static boolean handles(DType dtype) {
        return dtype == DType.F32 || dtype.isHalf() || dtype == DType.BOOL;
    }

    /**
     * Whether a cast passes this dtype through F32 buffers: those of {@link #handles}, and the 8-bit
     * floats (each of their values is an F32, and each F32 rounds to them from its exact value).
     */
    public static boolean casts(DType dtype) {
        return handles(dtype) || dtype.isFp8();
    }

    /** {@code dst[dstOff + i] = x[element + i * stride]} for {@code i < n}, as F32. */
    public static void load(Operand x, long element, long stride, float[] dst, int dstOff, int n) {
        MemorySegment s = x.segment();
        if (stride == 0) {
            Arrays.fill(dst, dstOff, dstOff + n, loadOne(x, s, element));
            return;
        }
        switch (x.dtype()) {
            case F32 -> {
                if (stride == 1) {
                    MemorySegment.copy(s, F32, element * 4, dst, dstOff, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[dstOff + i] = s.get(F32, (element + i * stride) * 4);
                    }
                }
            }
            case BF16 -> {
                if (stride == 1) {
                    RowKernels.instance().widenBf16(s, element * 2, dst, dstOff, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[dstOff + i] = Float.intBitsToFloat(s.get(I16, (element + i * stride) * 2) << 16);
                    }
                }
            }
            case F16 -> {
                if (stride == 1) {
                    widenF16(s, element, dst, dstOff, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[dstOff + i] = Float.float16ToFloat(s.get(I16, (element + i * stride) * 2));
                    }
                }
            }
            case BOOL -> {
                if (stride == 1) {
                    RowKernels.instance().widenBool(s, element, dst, dstOff, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[dstOff + i] = s.get(ValueLayout.JAVA_BYTE, element + i * stride) != 0 ? 1 : 0;
                    }
                }
            }
            case F8E4M3, F8E5M2 -> {
                Float8Codes codes = Float8Codes.of(x.dtype());
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = codes.decode(s.get(ValueLayout.JAVA_BYTE, element + i * stride));
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = loadOne(x, s, element + i * stride);
                }
            }
        }
    }

    private static float loadOne(Operand x, MemorySegment s, long element) {
        return switch (x.dtype()) {
            case F32 -> s.get(F32, element * 4);
            case BF16 -> Float.intBitsToFloat(s.get(I16, element * 2) << 16);
            case F16 -> Float.float16ToFloat(s.get(I16, element * 2));
            case BOOL -> s.get(ValueLayout.JAVA_BYTE, element) != 0 ? 1 : 0;
            case F8E4M3, F8E5M2 -> Float8Codes.of(x.dtype()).decode(s.get(ValueLayout.JAVA_BYTE, element));
            default -> throw new IllegalArgumentException("the F32 kernels do not read " + x.dtype());
        };
    }

    /** {@code x[element + i * stride] = src[srcOff + i]} for {@code i < n}, rounded to x's dtype. */
    public static void store(float[] src, int srcOff, int n, Operand x, long element, long stride) {
        MemorySegment s = x.segment();
        switch (x.dtype()) {
            case F32 -> {
                if (stride == 1) {
                    MemorySegment.copy(src, srcOff, s, F32, element * 4, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        s.set(F32, (element + i * stride) * 4, src[srcOff + i]);
                    }
                }
            }
            case BF16 -> {
                if (stride == 1) {
                    RowKernels.instance().narrowBf16(src, srcOff, s, element * 2, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        s.set(I16, (element + i * stride) * 2, Elements.floatToBf16(src[srcOff + i]));
                    }
                }
            }
            case F16 -> {
                if (stride == 1) {
                    narrowF16(src, srcOff, n, s, element * 2);
                } else {
                    for (int i = 0; i < n; i++) {
                        s.set(I16, (element + i * stride) * 2, Float.floatToFloat16(src[srcOff + i]));
                    }
                }
            }
            case BOOL -> {
                if (stride == 1) {
                    RowKernels.instance().narrowBool(src, srcOff, s, element, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        s.set(ValueLayout.JAVA_BYTE, element + i * stride, (byte) (src[srcOff + i] != 0 ? 1 : 0));
                    }
                }
            }
            case F8E4M3, F8E5M2 -> {
                Float8Codes codes = Float8Codes.of(x.dtype());
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_BYTE, element + i * stride, codes.encode(src[srcOff + i]));
                }
            }
            default -> throw new IllegalArgumentException("the F32 kernels do not write " + x.dtype());
        }
    }

    /**
     * {@code dst[dstOff + i] = F16 element (element + i)} for {@code i < n}. A loop of its own with a
     * unit stride, which C2 compiles to vector conversions (vcvtph2ps): 0.04 ns a value against 0.8
     * for the strided loop's scalar ones (Zen 4, 4096 values in L1, one thread).
     */
    private static void widenF16(MemorySegment s, long element, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(s.get(I16, (element + i) * 2));
        }
    }

    /**
     * {@code src[srcOff + i]} rounded to F16 (nearest even) at byte {@code at + 2 i} of s, for {@code i <
     * n}: vectorised as {@link #widenF16} is (0.04 ns a value against 0.7).
     */
    public static void narrowF16(float[] src, int srcOff, int n, MemorySegment s, long at) {
        for (int i = 0; i < n; i++) {
            s.set(I16, at + 2L * i, Float.floatToFloat16(src[srcOff + i]));
        }
    }
}
