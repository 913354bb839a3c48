package dev.colossus.cpu.simd;

import static dev.colossus.cpu.simd.VectorLanes.DOUBLES;
import static dev.colossus.cpu.simd.VectorLanes.S;
import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.D2F;
import static jdk.incubator.vector.VectorOperators.F2D;
import static jdk.incubator.vector.VectorOperators.F2I;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.IS_NAN;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.NEG;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code a^b} lanewise on F32 lanes, as C99 and IEEE 754 define it ({@link
 * dev.colossus.reference.ReferenceMath#pow}): {@code |a|^b = 2^t}, {@code t = b log2|a|}, taken in double
 * lanes and rounded once to F32, then the sign and the special cases.
 *
 * <p>Why double: an error e in t is a relative error of {@code e ln 2} in the result, and {@code |t|}
 * reaches 150 before the result leaves F32's range, so a logarithm good to F32's 2^-24 would give up to
 * 100 ulp. In double, the logarithm ({@code log m = 2 atanh((m - 1) / (m + 1))} for m in [sqrt(1/2),
 * sqrt(2)], its series to s^13) and {@code 2^r} (exp's Taylor series to x^10, {@code x = r ln 2}, for
 * {@code |r| <= 1/2}) are good to about 1e-12, far inside the rounding to F32: within 0.5 ulp of the
 * true value but where the true value lies within about 1e-12 of a rounding boundary. An integral t
 * (a power of two to an integral power) gives {@code 2^t} exactly, so that halfway cases such as
 * {@code 2^-150} round as the reference's do.
 *
 * <p>The special cases, in the order they are applied: {@code a < 0} (-0 and -Inf included) with an odd
 * integer b negates; finite {@code a < 0} with a finite non-integral b is NaN; a NaN is NaN; and
 * {@code 1^b}, {@code a^±0} and {@code (-1)^±Inf} are 1. Zeros and infinities of a come out of the
 * logarithm (-Inf and +Inf there); of b, from the products.
 *
 * <p>Every method is at most 35 bytes of bytecode, so that C2 inlines it at any call site ({@link
 * VectorMath} says why), and the work is cut into three loops ({@link #exponent}, {@link #magnitude},
 * {@link #withSpecialCases}).
 */
public final class VectorPow {
    /** 2^24: at and beyond it every float is an even integer. */
    private static final float EVEN_INTEGRAL = 16777216f;
    private static final double SQRT_TWO = 1.4142135623730951;
    private static final double LN2 = 0.6931471805599453;
    private static final double LOG2_E = 1.4426950408889634;
    /** 1.5 * 2^52: added to a double of magnitude below 2^51, it leaves round(value) in the low mantissa bits. */
    private static final double ROUNDING_SHIFT = 6755399441055744.0;
    private static final long ROUNDING_SHIFT_BITS = 0x4338000000000000L;
    /** A double's biased exponent e, put in the low bits of 2^52's, reads back as 2^52 + e; less 2^52 + 1023, as e - 1023. */
    private static final double EXPONENT_SHIFT = 4503599627371519.0;
    private static final long EXPONENT_SHIFT_BITS = 0x4330000000000000L;
    /** Where exp2's argument is clamped: 2^-160 rounds to 0 in F32, 2^130 to +Inf. */
    private static final double LOWEST = -160, HIGHEST = 130;

    /** The lanes pow takes: half {@link VectorLanes#S}'s, one for each of {@link VectorLanes#DOUBLES}'s. */
    public static final VectorSpecies<Float> FLOATS = VectorSpecies.of(float.class, VectorShape.forBitSize(S.vectorBitSize() / 2));

    private VectorPow() {
    }

    /**
     * {@code t = b log2|a|} lanewise for a and b of {@link #FLOATS}, in double lanes: the first of pow's
     * three loops ({@link #magnitude} and {@link #withSpecialCases} are the others; in fewer, C2 ran out of
     * nodes and boxed the vectors).
     */
    public static DoubleVector exponent(FloatVector a, FloatVector b) {
        return doubles(b).mul(log2(doubles(a.lanewise(ABS))));
    }

    /** {@code |a|^b = 2^t}, t from {@link #exponent}, rounded to F32 lanes of {@link #FLOATS}. */
    public static FloatVector magnitude(DoubleVector t) {
        return floats(exp2(t));
    }

    /** {@code a^b} from {@code magnitude = |a|^b} ({@link #magnitude}): the sign, NaN, and the cases whose value is 1. */
    public static FloatVector withSpecialCases(FloatVector a, FloatVector b, FloatVector magnitude) {
        return unitCases(a, b, nonIntegralPowersOfNegatives(a, b, oddPowersOfNegatives(a, b, magnitude)).blend(Float.NaN, a.test(IS_NAN)));
    }

    private static DoubleVector doubles(FloatVector v) {
        return (DoubleVector) v.convertShape(F2D, DOUBLES, 0);
    }

    private static FloatVector floats(DoubleVector v) {
        return (FloatVector) v.convertShape(D2F, FLOATS, 0);
    }

    /** {@code -|a|^b} where a's sign bit is set (-0 and -Inf included) and b is an odd integer. */
    private static FloatVector oddPowersOfNegatives(FloatVector a, FloatVector b, FloatVector magnitude) {
        return magnitude.lanewise(NEG, a.reinterpretAsInts().lt(0).cast(FLOATS).and(oddInteger(b)));
    }

    private static VectorMask<Float> oddInteger(FloatVector b) {
        return odd(b, (IntVector) b.convert(F2I, 0));
    }

    /** Where b is an odd integer, {@code integer = (int) b}. */
    private static VectorMask<Float> odd(FloatVector b, IntVector integer) {
        return integer.and(1).eq(1).cast(FLOATS).and(integral(b, integer)).and(belowEvenIntegers(b));
    }

    /** NaN where a is finite and below 0 and b finite and not an integer. */
    private static FloatVector nonIntegralPowersOfNegatives(FloatVector a, FloatVector b, FloatVector result) {
        return result.blend(Float.NaN, a.lt(0f).and(a.compare(GT, Float.NEGATIVE_INFINITY)).and(nonIntegral(b)));
    }

    /** Where b is finite and not an integer. */
    private static VectorMask<Float> nonIntegral(FloatVector b) {
        return belowEvenIntegers(b).andNot(integral(b, (IntVector) b.convert(F2I, 0)));
    }

    /** Where b equals {@code integer = (int) b}. */
    private static VectorMask<Float> integral(FloatVector b, IntVector integer) {
        return ((FloatVector) integer.convert(I2F, 0)).eq(b);
    }

    /** Where |b| is below 2^24 (so not NaN or infinite), past which every float is an even integer. */
    private static VectorMask<Float> belowEvenIntegers(FloatVector b) {
        return b.lanewise(ABS).lt(EVEN_INTEGRAL);
    }

    /** 1 for {@code 1^b}, {@code a^±0} and {@code (-1)^±Inf}, where the logarithm and the products give NaN or -1. */
    private static FloatVector unitCases(FloatVector a, FloatVector b, FloatVector result) {
        return result.blend(1f, a.eq(1f).or(b.eq(0f)).or(unitBaseInfinitePower(a, b)));
    }

    private static VectorMask<Float> unitBaseInfinitePower(FloatVector a, FloatVector b) {
        return a.lanewise(ABS).eq(1f).and(b.lanewise(ABS).eq(Float.POSITIVE_INFINITY));
    }

    /** {@code log2(x) = e + log(m) log2(e)} for {@code x = m 2^e >= 0} or NaN: -Inf for 0, +Inf for +Inf. */
    private static DoubleVector log2(DoubleVector x) {
        return withLogLimits(x, reducedLog2(mantissa(x), binaryExponent(x)));
    }

    /** m in [1, 2) of {@code x = m 2^e}. */
    private static DoubleVector mantissa(DoubleVector x) {
        return x.reinterpretAsLongs().and(0x000FFFFFFFFFFFFFL).or(0x3FF0000000000000L).reinterpretAsDoubles();
    }

    /** e of {@code x = m 2^e}, as a double. */
    private static DoubleVector binaryExponent(DoubleVector x) {
        return x.reinterpretAsLongs().lanewise(LSHR, 52).or(EXPONENT_SHIFT_BITS).reinterpretAsDoubles().sub(EXPONENT_SHIFT);
    }

    /** {@code e + log2(m)} with m moved into [sqrt(1/2), sqrt(2)] (halved, e raised by one, above sqrt(2)). */
    private static DoubleVector reducedLog2(DoubleVector m, DoubleVector e) {
        VectorMask<Double> high = m.compare(GT, SQRT_TWO);
        return plusLog2(m.mul(0.5, high), e.add(1, high));
    }

    private static DoubleVector plusLog2(DoubleVector m, DoubleVector e) {
        return logOfReduced(m).fma(e.broadcast(LOG2_E), e);
    }

    /** {@code log(m) = 2 atanh(s)}, {@code s = (m - 1) / (m + 1)}, for m in [sqrt(1/2), sqrt(2)]. */
    private static DoubleVector logOfReduced(DoubleVector m) {
        return twiceAtanh(m.sub(1).div(m.add(1)));
    }

    /** {@code 2 atanh(s) = 2s + 2s z (1/3 + z/5 + ... + z^5/13)}, {@code z = s^2}. */
    private static DoubleVector twiceAtanh(DoubleVector s) {
        DoubleVector z = s.mul(s);
        return atanhSeries(z).mul(z).fma(s.add(s), s.add(s));
    }

    private static DoubleVector atanhSeries(DoubleVector z) {
        return atanhLowTerms(z.fma(1 / 13.0, 1 / 11.0).fma(z, z.broadcast(1 / 9.0)), z);
    }

    private static DoubleVector atanhLowTerms(DoubleVector p, DoubleVector z) {
        return p.fma(z, z.broadcast(1 / 7.0)).fma(z, z.broadcast(1 / 5.0)).fma(z, z.broadcast(1 / 3.0));
    }

    /** -Inf where x is 0 and +Inf where it is +Inf, which the exponent and mantissa bits do not give. */
    private static DoubleVector withLogLimits(DoubleVector x, DoubleVector log) {
        return log.blend(Double.NEGATIVE_INFINITY, x.eq(0)).blend(Double.POSITIVE_INFINITY, x.eq(Double.POSITIVE_INFINITY));
    }

    /** {@code 2^t} for t clamped to [-160, 130] (NaN stays NaN). */
    private static DoubleVector exp2(DoubleVector t) {
        return exp2Clamped(t.blend(LOWEST, t.lt(LOWEST)).blend(HIGHEST, t.compare(GT, HIGHEST)));
    }

    /** {@code 2^t = 2^n 2^r}, {@code t = n + r}, r exact, so that an integral t gives 2^t exactly. */
    private static DoubleVector exp2Clamped(DoubleVector t) {
        DoubleVector shifted = t.add(ROUNDING_SHIFT);
        return exp2OfReduced(t.sub(shifted.sub(ROUNDING_SHIFT))).mul(powerOfTwo(shifted));
    }

    /** {@code 2^n}, n in the low bits of {@link #exp2Clamped}'s shifted value: a normal double for {@code |n| <= 1022}. */
    private static DoubleVector powerOfTwo(DoubleVector shifted) {
        return shifted.reinterpretAsLongs().sub(ROUNDING_SHIFT_BITS - 1023).lanewise(LSHL, 52).reinterpretAsDoubles();
    }

    /** {@code 2^r = exp(x) = 1 + x + x^2/2 + ... + x^10/10!}, {@code x = r ln 2}, for {@code |r| <= 1/2}. */
    private static DoubleVector exp2OfReduced(DoubleVector r) {
        DoubleVector x = r.mul(LN2);
        return expLowTerms(expMiddleTerms(expHighTerms(x), x), x);
    }

    private static DoubleVector expHighTerms(DoubleVector x) {
        return x.fma(1 / 3628800.0, 1 / 362880.0).fma(x, x.broadcast(1 / 40320.0)).fma(x, x.broadcast(1 / 5040.0));
    }

    private static DoubleVector expMiddleTerms(DoubleVector p, DoubleVector x) {
        return p.fma(x, x.broadcast(1 / 720.0)).fma(x, x.broadcast(1 / 120.0)).fma(x, x.broadcast(1 / 24.0));
    }

    private static DoubleVector expLowTerms(DoubleVector p, DoubleVector x) {
        return onePlusXTimes(onePlusXTimes(p.fma(x, x.broadcast(1 / 6.0)).fma(x, x.broadcast(0.5)), x), x);
    }

    private static DoubleVector onePlusXTimes(DoubleVector p, DoubleVector x) {
        return p.fma(x, x.broadcast(1));
    }
}
