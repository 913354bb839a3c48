package dev.colossus.reference;

import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How each dtype is stored in host memory, one element at a time: floating values read and written
 * as doubles, integer values as longs.
 *
 * <p>Writes round as {@link dev.colossus.op.Copy} defines: to nearest even into F32/F16/BF16 (F16 and
 * BF16 through F32) and into the 8-bit floats (straight from the double, saturating: {@link Float8}), toward zero into integers (NaN becomes 0, out-of-range values saturate for I64
 * and wrap from I64 for I32, I16, I8 and U8: the low bits kept), and any non-zero into BOOL {@code true}.
 */
public final class Elements {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private Elements() {
    }

    /**
     * The element at storage element offset {@code element} of {@code x}, as a double.
     *
     * @param x the operand
     * @param element the storage element offset
     * @return the value
     */
    public static double get(Operand x, long element) {
        MemorySegment s = x.segment();
        return switch (x.dtype()) {
            case F32 -> s.get(F32, element * 4);
            case F64 -> s.get(F64, element * 8);
            case F16 -> Float.float16ToFloat(s.get(I16, element * 2));
            case BF16 -> bf16ToFloat(s.get(I16, element * 2));
            case I32 -> s.get(I32, element * 4);
            case I64 -> s.get(I64, element * 8);
            case BOOL -> s.get(ValueLayout.JAVA_BYTE, element) != 0 ? 1 : 0;
            case I8 -> s.get(ValueLayout.JAVA_BYTE, element);
            case I16 -> s.get(I16, element * 2);
            case U8 -> s.get(ValueLayout.JAVA_BYTE, element) & 0xFF;
            case F8E4M3, F8E5M2 -> Float8.decode(x.dtype(), s.get(ValueLayout.JAVA_BYTE, element));
        };
    }

    /**
     * The element at storage element offset {@code element} of {@code x}, as a long (floats truncated).
     *
     * @param x the operand
     * @param element the storage element offset
     * @return the value
     */
    public static long getLong(Operand x, long element) {
        MemorySegment s = x.segment();
        return switch (x.dtype()) {
            case I32 -> s.get(I32, element * 4);
            case I64 -> s.get(I64, element * 8);
            case BOOL -> s.get(ValueLayout.JAVA_BYTE, element) != 0 ? 1 : 0;
            case I8 -> s.get(ValueLayout.JAVA_BYTE, element);
            case I16 -> s.get(I16, element * 2);
            case U8 -> s.get(ValueLayout.JAVA_BYTE, element) & 0xFF;
            default -> (long) get(x, element);
        };
    }

    /**
     * Writes {@code value}, rounded to {@code x}'s dtype, at storage element offset {@code element}.
     *
     * @param x the operand
     * @param element the storage element offset
     * @param value the value
     */
    public static void set(Operand x, long element, double value) {
        MemorySegment s = x.segment();
        switch (x.dtype()) {
            case F32 -> s.set(F32, element * 4, (float) value);
            case F64 -> s.set(F64, element * 8, value);
            case F16 -> s.set(I16, element * 2, Float.floatToFloat16((float) value));
            case BF16 -> s.set(I16, element * 2, floatToBf16((float) value));
            case I32, I64, I8, I16, U8 -> setLong(x, element, (long) value);
            case BOOL -> s.set(ValueLayout.JAVA_BYTE, element, (byte) (value != 0 ? 1 : 0));
            case F8E4M3, F8E5M2 -> s.set(ValueLayout.JAVA_BYTE, element, Float8.encode(x.dtype(), value));
        }
    }

    /**
     * Writes {@code value}, converted to {@code x}'s dtype, at storage element offset {@code element}.
     *
     * @param x the operand
     * @param element the storage element offset
     * @param value the value
     */
    public static void setLong(Operand x, long element, long value) {
        MemorySegment s = x.segment();
        switch (x.dtype()) {
            case I32 -> s.set(I32, element * 4, (int) value);
            case I64 -> s.set(I64, element * 8, value);
            case BOOL -> s.set(ValueLayout.JAVA_BYTE, element, (byte) (value != 0 ? 1 : 0));
            case I8, U8 -> s.set(ValueLayout.JAVA_BYTE, element, (byte) value);
            case I16 -> s.set(I16, element * 2, (short) value);
            default -> set(x, element, (double) value);
        }
    }

    /**
     * The F32 whose upper 16 bits are {@code bits}.
     *
     * @param bits a BF16 value's bits
     * @return the value, exactly
     */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /**
     * {@code value} rounded to nearest even into bfloat16; NaN stays a (quiet) NaN.
     *
     * @param value an F32 value
     * @return the BF16 bits
     */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
