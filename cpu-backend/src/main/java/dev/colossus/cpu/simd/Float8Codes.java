package dev.colossus.cpu.simd;

import dev.colossus.DType;
import dev.colossus.reference.Float8;

/**
 * One 8-bit float format (F8E4M3 or F8E5M2) to and from F32, with the reference's values ({@link
 * Float8}): a byte decoded by a table of its 256 values (each an F32, exactly), an F32 encoded by
 * its bits. For a normal result, with M mantissa bits and bias B:
 * <pre>
 *   code = (bits(|v|) + 2^(22-M) - 1 + bit_{23-M}(|v|)) >> (23 - M)  -  (127 - B) << M
 * </pre>
 * the F32's exponent and top M mantissa bits rounded to nearest even in place (a carry runs into the
 * exponent, the next binade's first code); below the smallest normal, {@code rint(|v| 2^(M-1+B))}
 * quanta; at or past the largest finite value, that value (infinities too); NaN {@code 0x7F}; the
 * sign bit kept. An F32, F16 or BF16 value is exact in F32, so rounding it from there is rounding it
 * from its value, as the reference does from the double.
 */
public final class Float8Codes {
    private static final Float8Codes E4M3 = new Float8Codes(DType.F8E4M3, 3, 7);
    private static final Float8Codes E5M2 = new Float8Codes(DType.F8E5M2, 2, 15);

    private final float[] values = new float[256];
    private final int mantissaBits;
    private final int bias;
    private final int largestBits;
    private final int largestCode;
    private final float subnormalScale;

    private Float8Codes(DType format, int mantissaBits, int bias) {
        this.mantissaBits = mantissaBits;
        this.bias = bias;
        for (int b = 0; b < 256; b++) {
            values[b] = (float) Float8.decode(format, (byte) b);
        }
        float largest = (float) Float8.largest(format);
        largestBits = Float.floatToRawIntBits(largest);
        largestCode = Byte.toUnsignedInt(Float8.encode(format, largest));
        subnormalScale = Math.scalb(1f, mantissaBits - 1 + bias);
    }

    /**
     * The codes of {@code format}.
     *
     * @param format F8E4M3 or F8E5M2
     * @return its codes
     */
    public static Float8Codes of(DType format) {
        return switch (format) {
            case F8E4M3 -> E4M3;
            case F8E5M2 -> E5M2;
            default -> throw new IllegalArgumentException(format + " is not an 8-bit float");
        };
    }

    /** The value of {@code code}, exactly. */
    public float decode(byte code) {
        return values[code & 0xFF];
    }

    /** {@code v} rounded to nearest even into this format, saturating at its largest finite value. */
    public byte encode(float v) {
        int bits = Float.floatToRawIntBits(v), sign = (bits >>> 24) & 0x80, magnitude = bits & 0x7FFFFFFF;
        if (magnitude > 0x7F800000) {
            return 0x7F;
        }
        int code;
        if (magnitude >= largestBits) {
            code = largestCode;
        } else if ((magnitude >>> 23) - 127 < 1 - bias) {
            code = (int) Math.rint(Float.intBitsToFloat(magnitude) * subnormalScale);
        } else {
            int shift = 23 - mantissaBits;
            code = ((magnitude + (1 << (shift - 1)) - 1 + ((magnitude >>> shift) & 1)) >>> shift) - ((127 - bias) << mantissaBits);
        }
        return (byte) (sign | code);
    }
}
