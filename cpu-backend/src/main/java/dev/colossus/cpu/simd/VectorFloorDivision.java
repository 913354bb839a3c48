package dev.colossus.cpu.simd;

import static dev.colossus.cpu.simd.VectorLanes.DOUBLES;
import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.D2F;
import static jdk.incubator.vector.VectorOperators.F2D;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.XOR;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Python's floor division and remainder lanewise on F32 lanes, taken in double lanes as the reference
 * takes them ({@link dev.colossus.reference.ReferenceMath#binary}), so that every lane has the
 * reference's bits:
 * <pre>
 *   q = a / b                 (in double)
 *   floorDivide(a, b) = floor(q)
 *   remainder(a, b)   = r + b where r != 0 and r, b differ in sign, else r;   r = fmod(a, b) = a - trunc(q) b
 * </pre>
 *
 * <p>fmod is exact, and so is {@code fma(-trunc(q), b, a)} once trunc(q) is the true quotient's
 * truncation: {@code a - trunc(a/b) b} is then fmod's value, which an F32 holds, and the fused product
 * rounds it once; its sign, a zero's included, is a's. The double quotient truncates as the true one
 * does while {@code |q| < 2^24}: for floats with {@code |a/b| >= 1} (smaller quotients truncate to 0
 * either way), a and b are multiples of the finer one's last place u and {@code |b| < 2^24 u}, so a
 * quotient that is not an integer lies more than {@code u / |b| > 2^-24} from one, and rounding to
 * double moves it by at most {@code |q| 2^-53 < 2^-29}. The lanes of a vector with a quotient past
 * that, an infinite divisor or a NaN are left to the caller, to take lane by lane.
 *
 * <p>floor and trunc are the addition of {@code 2^52}'s rounding ({@link VectorMath#round}'s way in
 * double), less 1 where it rounded up. Every method is short enough for C2 to inline at any call site
 * ({@link VectorMath} says why).
 */
public final class VectorFloorDivision {
    /** The F32 lanes taken: {@link VectorPow#FLOATS}, one for each of {@link VectorLanes#DOUBLES}'s. */
    private static final VectorSpecies<Float> FLOATS = VectorPow.FLOATS;

    /** Quotients below it truncate as the true quotient does (the class comment's bound). */
    private static final double EXACT_QUOTIENTS = 0x1p24;
    /** 2^52: added to a double in [0, 2^52), it leaves the double rounded to an integer. */
    private static final double INTEGRAL = 0x1p52;

    private VectorFloorDivision() {
    }

    /**
     * {@code floor(a / b)} lanewise, the quotient in double, rounded once to F32. Between 2^52 and 2^53
     * {@link #floor} can give q - 1 for an odd integral q, which F32 rounds as it rounds q unless q - 1
     * lies halfway between two floats, an odd multiple of 2^28 there; no quotient of floats
     * {@code a = A 2^i}, {@code b = B 2^j} (A, B integers below 2^24) rounds to such a q: {@code A 2^(i-j) - q B}
     * would be within B/2 of 0, and so would {@code q B} modulo 2^29, which is B for an even B and
     * {@code B + 2^28} for an odd one.
     */
    public static FloatVector floorDivide(FloatVector a, FloatVector b) {
        return floats(floor(doubles(a).div(doubles(b))));
    }

    /**
     * {@code out[i..] = a - floor(a / b) b} with b's sign lanewise, rounded once to F32, where every lane is
     * exact (quotients below 2^24, finite divisors, no NaN); otherwise nothing is written.
     *
     * @return whether the lanes were written
     */
    public static boolean remainder(FloatVector a, FloatVector b, float[] out, int i) {
        DoubleVector x = doubles(a), y = doubles(b), q = x.div(y);
        if (!q.lanewise(ABS).lt(EXACT_QUOTIENTS).and(y.lanewise(ABS).lt(Double.POSITIVE_INFINITY)).allTrue()) {
            return false;
        }
        floats(withDivisorsSign(fmod(x, y, q), y)).intoArray(out, i);
        return true;
    }

    /** {@code x - trunc(q) y}, exact, with x's sign. */
    private static DoubleVector fmod(DoubleVector x, DoubleVector y, DoubleVector q) {
        return withSignOf(truncated(q).neg().fma(y, x), x);
    }

    /** r + y where r is not zero and its sign differs from y's. */
    private static DoubleVector withDivisorsSign(DoubleVector r, DoubleVector y) {
        VectorMask<Double> signsDiffer = r.reinterpretAsLongs().lanewise(XOR, y.reinterpretAsLongs()).lt(0L).cast(DOUBLES);
        return r.add(y, signsDiffer.andNot(r.eq(0)));
    }

    /** floor(q) = trunc(q), less 1 where that is above q; a zero keeps q's sign. As {@link #truncated}, exact but between 2^52 and 2^53. */
    private static DoubleVector floor(DoubleVector q) {
        DoubleVector t = truncated(q);
        return t.sub(1, t.compare(GT, q));
    }

    /**
     * trunc(q): floor(|q|) with q's sign, |q| rounded by the addition of 2^52, less 1 where that rounded up.
     * Exact below 2^52, from 2^53 (where every double is even), and for ±Inf and NaN; between, where the
     * sum's last place is 2, an odd |q| that rounds down to a multiple of 4 gives |q| - 1.
     */
    private static DoubleVector truncated(DoubleVector q) {
        DoubleVector magnitude = q.lanewise(ABS);
        DoubleVector rounded = magnitude.add(INTEGRAL).sub(INTEGRAL);
        return withSignOf(rounded.sub(1, rounded.compare(GT, magnitude)), q);
    }

    /** |magnitude| with sign's sign bit. */
    private static DoubleVector withSignOf(DoubleVector magnitude, DoubleVector sign) {
        return magnitude.reinterpretAsLongs().and(Long.MAX_VALUE).or(sign.reinterpretAsLongs().and(Long.MIN_VALUE)).reinterpretAsDoubles();
    }

    private static DoubleVector doubles(FloatVector v) {
        return (DoubleVector) v.convertShape(F2D, DOUBLES, 0);
    }

    private static FloatVector floats(DoubleVector v) {
        return (FloatVector) v.convertShape(D2F, FLOATS, 0);
    }
}
