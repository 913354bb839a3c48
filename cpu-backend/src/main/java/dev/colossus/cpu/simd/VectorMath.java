package dev.colossus.cpu.simd;

import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.IS_NAN;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.SUB;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Elementary functions on float vectors, in straight-line vector arithmetic: about 2.3x the
 * throughput of the Vector API's {@code EXP} (a call into the JDK's vector math library) in a loop
 * of its own, which is where they are used: softmax's row kernel, and exp, sigmoid, silu and GELU
 * computed straight between memory ({@link dev.colossus.cpu.elementwise.ElementwiseKernels#directUnary}).
 *
 * <p>Every method here is under 35 bytes of bytecode, the size both JIT compilers inline at any call
 * site; a larger one is inlined only where C2 judges the call hot, and where it is not, the vectors
 * crossing the call are boxed. Even inlined, the arithmetic is some 20 vector operations, and in a
 * large compilation C2 reached its node limit and left some of them unintrinsified: GELU with its
 * erfc polynomial in the same loop ran 3x slower (so it takes its exponentials in a loop of their
 * own).
 *
 * <p>They also give the same bits whether or not C2 has compiled the caller: the Vector API's own
 * {@code EXP}, {@code LOG} and {@code TANH} are the JDK's Java code lane by lane until C2 replaces them
 * with its vector math library, whose results differ in the last bit, so an op would give different
 * results before and after its loop was compiled.
 */
public final class VectorMath {
    private static final float LOG2_E = 1.44269504f;
    /** 1.5 * 2^23: added to a float of magnitude below 2^22, it leaves round(value) in the low mantissa bits. */
    private static final float ROUNDING_SHIFT = 12582912f;
    private static final int ROUNDING_SHIFT_BITS = 0x4B400000;
    /** ln 2 = LN2_HIGH + LN2_LOW, LN2_HIGH with few enough bits that n * LN2_HIGH is exact for |n| <= 2^8. */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** sqrt(1/2): log's reduced argument m lies in [sqrt(1/2), sqrt(2)). */
    private static final float SQRT_HALF = 0.707106781f;
    /** Below this, tanh is its odd polynomial; above, {@code 1 - 2 / (exp(2|x|) + 1)}. */
    private static final float TANH_SWITCH = 0.625f;
    /** 2/pi, and pi/2 = PIO2_HIGH + PIO2_MID + PIO2_LOW, PIO2_HIGH with 8 significant bits (j * PIO2_HIGH exact for j < 2^16). */
    private static final float TWO_OVER_PI = 0.636619772f;
    private static final float PIO2_HIGH = 1.5703125f;
    private static final float PIO2_MID = 4.83751296997e-4f;
    private static final float PIO2_LOW = 7.54978995489e-8f;
    /** Up to here sin and cos reduce their argument in float within 2^-20 absolute; beyond it they are not used. */
    public static final float TRIG_REACH = 8192f;
    /** 2^23: at and beyond it every float is an integer. */
    private static final float INTEGRAL = 8388608f;
    /** Where exp's argument is clamped: exp(-104) is 0 in F32, exp(89) +Inf. */
    private static final float LOWEST = -104f;
    private static final float HIGHEST = 89f;

    private VectorMath() {
    }

    /**
     * {@code exp(x)} lanewise, within 1 ulp of the correctly rounded value (subnormal results
     * included; 1.005 ulp of the true value at worst), NaN for NaN, 0 for -Inf and x below -104, +Inf
     * for +Inf and x above 88.73.
     *
     * <p>{@code x = n ln 2 + r} with {@code n = round(x log2 e)}, {@code |r| <= ln 2 / 2}; {@code
     * exp(r) = 1 + r + r^2 p(r)}, p of degree 5 (Cephes' expf coefficients); {@code exp(x) = exp(r)
     * 2^(n - n/2) 2^(n/2)}, two factors so that each is a normal float down to {@code n = -150}.
     */
    public static FloatVector exp(FloatVector x) {
        return expWithinRange(atMost(atLeast(x, LOWEST), HIGHEST));
    }

    /**
     * {@link #exp} for {@code x <= 0} (NaN and -Inf included), where it cannot overflow: softmax's
     * {@code x - max} and GELU's erfc exponent; one clamp fewer.
     */
    public static FloatVector expOfNonPositive(FloatVector x) {
        return expWithinRange(atLeast(x, LOWEST));
    }

    /**
     * {@code log(x)} lanewise (Cephes' logf): {@code x = m 2^e}, {@code m} in [sqrt(1/2), sqrt(2)),
     * {@code log(x) = f - f^2/2 + f^3 p(f) + e ln 2} with {@code f = m - 1}, p of degree 8 (subnormal x
     * scaled by 2^23 first). NaN for NaN and {@code x < 0}, -Inf for ±0, +Inf for +Inf.
     */
    public static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.lt(Float.MIN_NORMAL);
        IntVector bits = x.blend(x.mul(8388608f), subnormal).reinterpretAsInts();
        FloatVector e = (FloatVector) bits.lanewise(LSHR, 23).and(0xFF).sub(126).convert(I2F, 0);
        e = e.lanewise(SUB, 23f, subnormal);
        FloatVector m = bits.and(0x007FFFFF).or(0x3F000000).reinterpretAsFloats();
        VectorMask<Float> small = m.lt(SQRT_HALF);
        FloatVector f = m.blend(m.add(m), small).sub(1f);
        e = e.lanewise(SUB, 1f, small);
        FloatVector z = f.mul(f);
        FloatVector y = logPolynomial(f).mul(f).mul(z);
        y = e.fma(x.broadcast(LN2_LOW), y).sub(z.mul(0.5f));
        FloatVector result = e.fma(x.broadcast(LN2_HIGH), f.add(y));
        result = result.blend(Float.NEGATIVE_INFINITY, x.eq(0f));
        result = result.blend(Float.NaN, x.lt(0f).or(x.test(IS_NAN)));
        return result.blend(Float.POSITIVE_INFINITY, x.eq(Float.POSITIVE_INFINITY));
    }

    /**
     * {@code log(1 + x)} lanewise, as {@code log(u) x / (u - 1)} with {@code u = 1 + x} rounded (Goldberg's
     * correction for the rounding of u: the quotient is log's slope over the interval u moved by),
     * and x itself where u is 1. NaN for NaN and {@code x < -1}, -Inf for -1, +Inf for +Inf, ±0 for ±0.
     */
    public static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(1f);
        FloatVector corrected = log(u).mul(x.div(u.sub(1f)));
        return corrected.blend(x, u.eq(1f).or(x.eq(Float.POSITIVE_INFINITY)));
    }

    /** {@code 1/n!}, n = 2..11: expm1's series past x, in x. */
    private static final float[] EXPM1_SERIES = {1 / 2f, 1 / 6f, 1 / 24f, 1 / 120f, 1 / 720f, 1 / 5040f, 1 / 40320f, 1 / 362880f,
        1 / 3628800f, 1 / 39916800f};

    /**
     * {@code exp(x) - 1} lanewise, given {@code exponential = exp(x)} (as {@link #exp}): for |x| up to 1,
     * its series {@code x + x^2 (1/2! + x/3! + ... + x^9/11!)} (the next term is below 3e-8 of the value),
     * beyond it the exponential less 1, which no longer cancels much. NaN for NaN, -1 for -Inf, +Inf for +Inf, ±0 for ±0.
     */
    public static FloatVector expm1(FloatVector x, FloatVector exponential) {
        FloatVector p = x.broadcast(EXPM1_SERIES[9]);
        for (int n = 8; n >= 0; n--) {
            p = p.fma(x, x.broadcast(EXPM1_SERIES[n]));
        }
        FloatVector series = x.mul(x).fma(p, x).blend(x, x.eq(0f)); // -0 + +0 would be +0
        return series.blend(exponential.sub(1f), x.lanewise(ABS).compare(GT, 1f));
    }

    private static FloatVector logPolynomial(FloatVector f) {
        FloatVector p = f.fma(f.broadcast(7.0376836292e-2f), f.broadcast(-1.1514610310e-1f));
        p = p.fma(f, f.broadcast(1.1676998740e-1f)).fma(f, f.broadcast(-1.2420140846e-1f));
        p = p.fma(f, f.broadcast(1.4249322787e-1f)).fma(f, f.broadcast(-1.6668057665e-1f));
        return p.fma(f, f.broadcast(2.0000714765e-1f)).fma(f, f.broadcast(-2.4999993993e-1f)).fma(f, f.broadcast(3.3333331174e-1f));
    }

    /**
     * {@code tanh(x)} lanewise (Cephes' tanhf): {@code x + x^3 p(x^2)} for {@code |x| <= 0.625}, p of
     * degree 4, else {@code sign(x) (1 - 2 / (exp(2|x|) + 1))}. NaN for NaN, ±1 for ±Inf, ±0 for ±0.
     */
    public static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.lanewise(ABS);
        return tanh(x, exp(ax.add(ax)));
    }

    /** {@link #tanh} given {@code exponential = exp(2|x|)} (as {@link #exp}). */
    public static FloatVector tanh(FloatVector x, FloatVector exponential) {
        FloatVector ax = x.lanewise(ABS);
        FloatVector z = x.mul(x);
        FloatVector p = z.fma(z.broadcast(-5.70498872745e-3f), z.broadcast(2.06390887954e-2f));
        p = p.fma(z, z.broadcast(-5.37397155531e-2f)).fma(z, z.broadcast(1.33314422036e-1f)).fma(z, z.broadcast(-3.33332819422e-1f));
        FloatVector near = p.mul(z).fma(x, x).blend(x, x.eq(0f));
        FloatVector far = x.broadcast(1f).sub(x.broadcast(2f).div(exponential.add(1f)));
        return near.blend(far.blend(far.neg(), x.lt(0f)), ax.compare(GT, TANH_SWITCH));
    }

    /**
     * {@code sin(x)} lanewise for {@code |x| <= TRIG_REACH} (callers take larger and non-finite lanes
     * elsewhere): {@code x = j pi/2 + r}, {@code |r| <= pi/4}, by Cody and Waite's three-part pi/2 with
     * FMA; then Cephes' sinf or cosf polynomial of r by the quadrant {@code j mod 4}. ±0 stays ±0.
     */
    public static FloatVector sin(FloatVector x) {
        FloatVector shifted = x.fma(x.broadcast(TWO_OVER_PI), x.broadcast(ROUNDING_SHIFT));
        return quadrant(reducedByHalfPi(x, shifted), shifted.reinterpretAsInts()).blend(x, x.eq(0f));
    }

    /** {@code cos(x)} lanewise for {@code |x| <= TRIG_REACH}: {@link #sin} one quadrant on. */
    public static FloatVector cos(FloatVector x) {
        FloatVector shifted = x.fma(x.broadcast(TWO_OVER_PI), x.broadcast(ROUNDING_SHIFT));
        return quadrant(reducedByHalfPi(x, shifted), shifted.reinterpretAsInts().add(1));
    }

    /** {@code r = x - j pi/2} with j from the rounding-shifted {@code x 2/pi}: the first step exact. */
    private static FloatVector reducedByHalfPi(FloatVector x, FloatVector shifted) {
        FloatVector j = shifted.sub(ROUNDING_SHIFT);
        return j.fma(x.broadcast(-PIO2_LOW), j.fma(x.broadcast(-PIO2_MID), j.fma(x.broadcast(-PIO2_HIGH), x)));
    }

    /** {@code sin(r + q pi/2)}: sin r, cos r, -sin r, -cos r by the low two bits of q. */
    private static FloatVector quadrant(FloatVector r, IntVector q) {
        FloatVector z = r.mul(r);
        FloatVector value = sinOfReduced(r, z).blend(cosOfReduced(z), q.and(1).compare(VectorOperators.NE, 0).cast(r.species()));
        return value.blend(value.neg(), q.and(2).compare(VectorOperators.NE, 0).cast(r.species()));
    }

    /** Cephes' sinf on {@code |r| <= pi/4}: {@code r + r^3 p(r^2)}. */
    private static FloatVector sinOfReduced(FloatVector r, FloatVector z) {
        FloatVector p = z.fma(z.broadcast(-1.9515295891e-4f), z.broadcast(8.3321608736e-3f)).fma(z, z.broadcast(-1.6666654611e-1f));
        return p.mul(z).fma(r, r);
    }

    /** Cephes' cosf on {@code |r| <= pi/4}: {@code 1 - z/2 + z^2 p(z)}, {@code z = r^2}. */
    private static FloatVector cosOfReduced(FloatVector z) {
        FloatVector p = z.fma(z.broadcast(2.443315711809948e-5f), z.broadcast(-1.388731625493765e-3f)).fma(z, z.broadcast(4.166664568298827e-2f));
        return p.mul(z).mul(z).add(z.mul(-0.5f).add(1f));
    }

    /**
     * {@code rint(x)} lanewise, halves to even: {@code (|x| + 2^23) - 2^23} rounds |x| by the addition's
     * own rounding, the sign put back (so -0.4 gives -0); |x| at or past 2^23, ±Inf and NaN as they are.
     */
    public static FloatVector round(FloatVector x) {
        FloatVector ax = x.lanewise(ABS);
        return withSignOf(ax.add(INTEGRAL).sub(INTEGRAL), x).blend(x, ax.compare(GT, INTEGRAL).or(ax.eq(INTEGRAL)).or(x.test(IS_NAN)));
    }

    /** {@code floor(x)}: {@link #round}, less 1 where it rounded up; the sign of a zero kept from x. */
    public static FloatVector floor(FloatVector x) {
        FloatVector r = round(x);
        return withSignOf(r.lanewise(SUB, 1f, r.compare(GT, x)), x);
    }

    /** {@code ceil(x)}: {@link #round}, plus 1 where it rounded down; the sign of a zero kept from x. */
    public static FloatVector ceil(FloatVector x) {
        FloatVector r = round(x);
        return withSignOf(r.lanewise(VectorOperators.ADD, 1f, r.lt(x)), x);
    }

    /** |magnitude| with sign's sign bit. */
    private static FloatVector withSignOf(FloatVector magnitude, FloatVector sign) {
        return magnitude.reinterpretAsInts().and(0x7FFFFFFF).or(sign.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
    }

    /** {@code exp(x)} for {@code -104 <= x <= 89} or NaN. */
    private static FloatVector expWithinRange(FloatVector x) {
        FloatVector shifted = roundingShifted(x);
        return scale(expOfReduced(reduced(x, shifted)), exponent(shifted));
    }

    /**
     * {@code max(x, low)} by a compare and a blend, where {@code max} with Java's NaN and signed-zero
     * rules takes six instructions; NaN stays NaN (measured: {@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    private static FloatVector atLeast(FloatVector x, float low) {
        return x.blend(low, x.lt(low));
    }

    /** {@code min(x, high)} as {@link #atLeast} takes the max. */
    private static FloatVector atMost(FloatVector x, float high) {
        return x.blend(high, x.compare(GT, high));
    }

    /** {@code x log2 e + 1.5 * 2^23}: round(x log2 e) in its low mantissa bits (see {@link #ROUNDING_SHIFT}). */
    private static FloatVector roundingShifted(FloatVector x) {
        return x.fma(x.broadcast(LOG2_E), x.broadcast(ROUNDING_SHIFT));
    }

    /** The integer {@code n} in the low bits of {@link #roundingShifted}'s result. */
    private static IntVector exponent(FloatVector shifted) {
        return shifted.reinterpretAsInts().sub(ROUNDING_SHIFT_BITS);
    }

    /** {@code r = x - n ln 2}, n from {@link #roundingShifted}, in two steps so that the first is exact. */
    private static FloatVector reduced(FloatVector x, FloatVector shifted) {
        FloatVector n = shifted.sub(ROUNDING_SHIFT);
        return n.fma(x.broadcast(-LN2_LOW), n.fma(x.broadcast(-LN2_HIGH), x));
    }

    /** {@code exp(r) = 1 + r + r^2 p(r)} for {@code |r| <= ln 2 / 2}. */
    private static FloatVector expOfReduced(FloatVector r) {
        return lowTerms(highTerms(r), r).fma(r.mul(r), r).add(1f);
    }

    private static FloatVector highTerms(FloatVector r) {
        return r.fma(r.broadcast(1.9875691500e-4f), r.broadcast(1.3981999507e-3f)).fma(r, r.broadcast(8.3334519073e-3f));
    }

    private static FloatVector lowTerms(FloatVector p, FloatVector r) {
        return p.fma(r, r.broadcast(4.1665795894e-2f)).fma(r, r.broadcast(1.6666665459e-1f)).fma(r, r.broadcast(5.0000001201e-1f));
    }

    /** {@code value * 2^n} as two factors, each a normal float for {@code -252 <= n <= 254}. */
    private static FloatVector scale(FloatVector value, IntVector n) {
        IntVector half = n.lanewise(ASHR, 1);
        return value.mul(powerOfTwo(n.sub(half))).mul(powerOfTwo(half));
    }

    /** {@code 2^k} for {@code -126 <= k <= 127}, built in the exponent field. */
    private static FloatVector powerOfTwo(IntVector k) {
        return k.add(127).lanewise(LSHL, 23).reinterpretAsFloats();
    }
}
