package dev.colossus.reference;

import dev.colossus.DType;

/**
 * The two 8-bit float formats (OCP's FP8), bit for bit: sign, then E exponent bits with bias
 * {@code 2^(E-1) - 1}, then M mantissa bits; exponent 0 holds the subnormals {@code m 2^(1-bias-M)}.
 * <ul>
 *   <li>{@link DType#F8E4M3} (E 4, M 3, bias 7): no infinity; {@code S.1111.111} is NaN, so the
 *       largest finite value is {@code 1.75 * 2^8 = 448} and the smallest subnormal {@code 2^-9}.
 *   <li>{@link DType#F8E5M2} (E 5, M 2, bias 15): IEEE's layout, {@code S.11111.00} infinity and
 *       {@code S.11111.xx} NaN; the largest finite value {@code 1.75 * 2^15 = 57344}, the smallest
 *       subnormal {@code 2^-16}.
 * </ul>
 * Encoding rounds to nearest even straight from the double (no double rounding through F32), and
 * saturates as PTX's {@code cvt.rn.satfinite} does: a value past the largest finite one, infinities
 * included, becomes the largest finite value of its sign; NaN becomes {@code 0x7F}; -0 stays -0.
 */
public final class Float8 {
    private Float8() {
    }

    private static int exponentBits(DType format) {
        return switch (format) {
            case F8E4M3 -> 4;
            case F8E5M2 -> 5;
            default -> throw new IllegalArgumentException(format + " is not an 8-bit float");
        };
    }

    /**
     * The largest finite value of {@code format}: 448 for E4M3, 57344 for E5M2.
     *
     * @param format {@link DType#F8E4M3} or {@link DType#F8E5M2}
     * @return the value
     */
    public static double largest(DType format) {
        return decode(format, (byte) largestCode(format));
    }

    private static int largestCode(DType format) {
        return format == DType.F8E4M3 ? 0x7E : 0x7B;
    }

    /**
     * The value of {@code bits} in {@code format}, exactly.
     *
     * @param format {@link DType#F8E4M3} or {@link DType#F8E5M2}
     * @param bits the byte
     * @return the value
     */
    public static double decode(DType format, byte bits) {
        int e = exponentBits(format), m = 7 - e, bias = (1 << (e - 1)) - 1;
        int exponent = (bits >> m) & ((1 << e) - 1), mantissa = bits & ((1 << m) - 1);
        double sign = bits < 0 ? -1 : 1;
        if (format == DType.F8E5M2 && exponent == 31) {
            return mantissa == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        if (format == DType.F8E4M3 && exponent == 15 && mantissa == 7) {
            return Double.NaN;
        }
        if (exponent == 0) {
            return sign * Math.scalb((double) mantissa, 1 - bias - m);
        }
        return sign * Math.scalb((double) ((1 << m) + mantissa), exponent - bias - m);
    }

    /**
     * {@code value} rounded to nearest even into {@code format}, saturating to its largest finite value.
     *
     * @param format {@link DType#F8E4M3} or {@link DType#F8E5M2}
     * @param value the value
     * @return the byte
     */
    public static byte encode(DType format, double value) {
        int e = exponentBits(format), m = 7 - e, bias = (1 << (e - 1)) - 1;
        if (Double.isNaN(value)) {
            return 0x7F;
        }
        int sign = value < 0 || (value == 0 && 1 / value < 0) ? 0x80 : 0;
        double magnitude = Math.abs(value);
        int code;
        if (magnitude >= largest(format)) {
            code = largestCode(format); // saturated: past the largest finite value, infinities included
        } else {
            // below the largest value rounding cannot pass it (it is a value of the format): no clamp
            int exponent = Math.getExponent(magnitude);
            if (exponent < 1 - bias) {
                // a subnormal (or zero): quanta of 2^(1-bias-m) from 0; 2^m of them is the smallest normal's code
                code = (int) Math.rint(Math.scalb(magnitude, m - 1 + bias));
            } else {
                // 2^m..2^(m+1) quanta of 2^(exponent-m), the implicit 1 included; the scaling is exact, and a
                // carry to 2^(m+1) lands on the next binade's first code, as the encoding is monotonic
                double steps = Math.rint(Math.scalb(magnitude, m - exponent));
                code = ((exponent + bias - 1) << m) + (int) steps;
            }
        }
        return (byte) (sign | code);
    }
}
