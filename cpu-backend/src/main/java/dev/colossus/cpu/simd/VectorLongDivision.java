package dev.colossus.cpu.simd;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.D2L;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.L2D;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.SUB;
import static jdk.incubator.vector.VectorOperators.UGT;
import static jdk.incubator.vector.VectorOperators.XOR;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Python's floor division and remainder of 64-bit integers lanewise, as the reference defines them
 * ({@link dev.colossus.reference.ReferenceMath#binary(dev.colossus.op.BinaryFn, long, long)}: {@code
 * Math.floorDiv} and {@code Math.floorMod}, and 0 and a where b is 0), the quotient taken in double
 * lanes, as no x86 instruction divides integer lanes:
 * <pre>
 *   t = trunc(a / b)             (the double quotient, truncated as it converts back)
 *   r = a - t b                  (exact in 64 bits: 0 or a's sign)
 *   floorDivide(a, b) = t - 1,   remainder(a, b) = r + b     where r != 0 and r, b differ in sign
 *   floorDivide(a, b) = t,       remainder(a, b) = r         otherwise
 * </pre>
 *
 * <p>The double quotient truncates as the true one does while {@code |a|, |b| <= 2^52}: a and b are
 * exact in double, a quotient that is not an integer lies at least {@code 1/|b|} from every integer,
 * and rounding it to double moves it by at most {@code |a/b| 2^-53 <= 1/(2|b|)}; an integral quotient
 * is exact. A vector with a lane outside that range is left to the caller. The conversions between
 * long and double lanes are single instructions only with AVX-512 (DQ), so callers take this class
 * at 512 bits.
 */
public final class VectorLongDivision {
    /** Longs in a vector of {@link VectorLanes#S}'s shape. */
    public static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED.withShape(VectorLanes.S.vectorShape()).check(long.class);

    /** 2^52: lanes within it of 0 divide exactly in double (the class comment). */
    private static final long EXACT = 1L << 52;

    private VectorLongDivision() {
    }

    /**
     * {@code floorDivide(a, b)} lanewise, or {@code remainder(a, b)} where {@code remainder}, into
     * {@code out[at..]}; false, with nothing written, where a lane of a or b lies beyond 2^52 of 0.
     */
    public static boolean divide(boolean remainder, LongVector a, LongVector b, long[] out, int at) {
        // x + 2^52 as unsigned exceeds 2^53 exactly where x lies outside [-2^52, 2^52]
        if (a.add(EXACT).compare(UGT, 2 * EXACT).or(b.add(EXACT).compare(UGT, 2 * EXACT)).anyTrue()) {
            return false;
        }
        VectorMask<Long> zero = b.compare(EQ, 0);
        LongVector divisor = b.blend(1, zero);
        DoubleVector quotient = ((DoubleVector) a.convert(L2D, 0)).div((DoubleVector) divisor.convert(L2D, 0));
        LongVector t = (LongVector) quotient.convert(D2L, 0);
        LongVector r = a.sub(t.mul(divisor));
        VectorMask<Long> pastFloor = r.compare(NE, 0).and(r.lanewise(XOR, divisor).compare(LT, 0));
        if (remainder) {
            r.lanewise(ADD, divisor, pastFloor).blend(a, zero).intoArray(out, at);
        } else {
            t.lanewise(SUB, 1, pastFloor).blend(0, zero).intoArray(out, at);
        }
        return true;
    }
}
