package dev.colossus.cpu;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Elementary functions on float vectors, in straight-line vector arithmetic: about 2.3x the
 * throughput of the Vector API's {@code EXP} (a call into the JDK's vector math library) in a loop
 * of its own, which is where they are used: softmax's row kernel, and exp, sigmoid, silu and GELU
 * computed straight between memory ({@link FloatKernels#directUnary}).
 *
 * <p>Every method here is under 35 bytes of bytecode, the size both JIT compilers inline at any call
 * site; a larger one is inlined only where C2 judges the call hot, and where it is not, the vectors
 * crossing the call are boxed. Even inlined, the arithmetic is some 20 vector operations, and in a
 * large compilation C2 reached its node limit and left some of them unintrinsified: GELU with its
 * erfc polynomial in the same loop ran 3x slower (so it takes its exponentials in a loop of their
 * own), the attention kernels 30% slower (so they keep the library's {@code EXP}).
 */
final class VectorMath {
    private static final float LOG2_E = 1.44269504f;
    /** 1.5 * 2^23: added to a float of magnitude below 2^22, it leaves round(value) in the low mantissa bits. */
    private static final float ROUNDING_SHIFT = 12582912f;
    private static final int ROUNDING_SHIFT_BITS = 0x4B400000;
    /** ln 2 = LN2_HIGH + LN2_LOW, LN2_HIGH with few enough bits that n * LN2_HIGH is exact for |n| <= 2^8. */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
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
    static FloatVector exp(FloatVector x) {
        return expWithinRange(atMost(atLeast(x, LOWEST), HIGHEST));
    }

    /**
     * {@link #exp} for {@code x <= 0} (NaN and -Inf included), where it cannot overflow: softmax's
     * {@code x - max} and GELU's erfc exponent. One clamp fewer: softmax's loop over a row in L1, 2.33
     * ms for 16M floats against 2.44 with both.
     */
    static FloatVector expOfNonPositive(FloatVector x) {
        return expWithinRange(atLeast(x, LOWEST));
    }

    /** {@code exp(x)} for {@code -104 <= x <= 89} or NaN. */
    private static FloatVector expWithinRange(FloatVector x) {
        FloatVector shifted = roundingShifted(x);
        return scale(expOfReduced(reduced(x, shifted)), exponent(shifted));
    }

    /**
     * {@code max(x, low)} by a compare and a blend, where {@code max} with Java's NaN and signed-zero
     * rules takes six instructions; NaN stays NaN. Measured in softmax's loop over a row in L1 (its
     * running max by a blend too): 3.16 ms for 16M floats clamped by max and min, 2.44 by this and
     * {@link #atMost}.
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
