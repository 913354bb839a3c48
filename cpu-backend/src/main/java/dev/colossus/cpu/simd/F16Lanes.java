package dev.colossus.cpu.simd;

import static dev.colossus.cpu.simd.NativeSegments.exact;
import static dev.colossus.cpu.simd.VectorLanes.HALVES;
import static dev.colossus.cpu.simd.VectorLanes.INTS;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * F16 runs, or the halves of 32-bit words, widened to F32 in registers with integer lanes and one
 * product: JDK 25's Vector API has no F16 conversion. Bit for bit as {@link Float#float16ToFloat}
 * (every one of the 2^16 halves: {@code F16LanesTest}). F16: sign s, exponent e (5 bits, bias 15),
 * mantissa m (10 bits); F32: exponent bias 127, mantissa 23 bits. The way back, rounding to nearest
 * even, is {@link FloatIO#narrowF16}'s loop, which C2 compiles to vector conversions: written with
 * integer lanes in the same loop as the widening, it took C2 past its inlining limits. F16 held as
 * 16-bit lanes, for the functions whose results are F16 values ({@link #quiet}), has its NaN test here
 * too.
 */
public final class F16Lanes {
    /** F16's exponent field where F32's lies ({@code (h & 0x7FFF) << 13}). */
    private static final int EXPONENT = 0x0F80_0000;
    /** F32's quiet-NaN bit, which widening sets, as the JDK does. */
    private static final int QUIET = 0x0040_0000;
    /** The exponent fields of a word's two halves, all ones for infinity and NaN. */
    private static final int EXPONENTS = 0x7C00_7C00;
    /** One more than an exponent field's ones, in each half: the sum carries into the half's sign bit only from all ones. */
    private static final int EXPONENTS_CARRY = 0x0400_0400;
    /** The halves' sign bits, where that carry lands. */
    private static final int HALF_SIGNS = 0x8000_8000;
    /** An F16's magnitude bits, its infinity, and its quiet-NaN bit. */
    private static final short HALF_MAGNITUDE = 0x7FFF, HALF_INFINITY = 0x7C00, HALF_QUIET = 0x0200;
    /** A word's top half moved down 3 with its sign: F32's sign, and F16's exponent and mantissa in F32's fields. */
    private static final int SIGN_AND_FIELDS = 0x8FFF_E000;

    private F16Lanes() {
    }

    /** The L F16 values at byte {@code at}, widened to F32 (exact). */
    public static FloatVector loadF16(MemorySegment m, long at) {
        ShortVector halves = ShortVector.fromMemorySegment(HALVES, exact(m), at, NATIVE);
        return widened((IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, INTS, 0));
    }

    /** The F16 values in the low halves of 32-bit words, widened to F32 (exact). */
    public static FloatVector low(IntVector words) {
        return widened(words.and(0xFFFF));
    }

    /** The F16 values in the high halves of 32-bit words, widened to F32 (exact). */
    public static FloatVector high(IntVector words) {
        return widened(words.lanewise(LSHR, 16));
    }

    /**
     * {@link #low}, exact where no half of the words is infinite or NaN ({@link #infiniteOrNaNSeen}),
     * in four operations: the half moved to the word's top, shifted down 3 with its sign, which puts
     * (e, m) in F32's fields, the sign's copies cleared, then {@link #widened}'s product by 2^112.
     */
    public static FloatVector lowFinite(IntVector words) {
        return highFinite(words.lanewise(LSHL, 16));
    }

    /** {@link #high}, exact where no half of the words is infinite or NaN: {@link #lowFinite} without the first move. */
    public static FloatVector highFinite(IntVector words) {
        return words.lanewise(ASHR, 3).and(SIGN_AND_FIELDS).reinterpretAsFloats().mul(0x1p112f);
    }

    /**
     * {@code seen} (zero at first) with the sign bit of each half of each lane set where that half of
     * the words is infinite or NaN: its exponent field plus one carries into the sign bit only from all
     * ones. {@link #anyInfiniteOrNaN} of the result says whether the finite widenings were exact for
     * every word passed through it.
     */
    public static IntVector infiniteOrNaNSeen(IntVector seen, IntVector words) {
        return seen.or(words.and(EXPONENTS).add(EXPONENTS_CARRY));
    }

    /** Whether some half of the words that went into {@link #infiniteOrNaNSeen} is infinite or NaN. */
    public static boolean anyInfiniteOrNaN(IntVector seen) {
        return (seen.reduceLanes(VectorOperators.OR) & HALF_SIGNS) != 0;
    }

    /** The F16 bits with each NaN's quiet bit set, as {@link Float#float16ToFloat} and the way back leave a NaN. */
    public static ShortVector quiet(ShortVector h) {
        return h.blend(h.or(HALF_QUIET), isNaN(h));
    }

    /** The lanes of F16 bits that hold a NaN: the magnitude, as an integer, above infinity's. */
    public static VectorMask<Short> isNaN(ShortVector h) {
        return h.and(HALF_MAGNITUDE).compare(GT, HALF_INFINITY);
    }

    /**
     * F32 from the F16 bits in each lane's low half: u = (e, m) moved into F32's fields is, as an F32,
     * the half's magnitude times 2^-112, for normal and subnormal halves alike, so one exact product
     * by 2^112 widens both; infinity and NaN take F32's exponent all ones (NaN made quiet); then the
     * sign.
     */
    static FloatVector widened(IntVector h) {
        IntVector u = h.and(0x7FFF).lanewise(LSHL, 13);
        IntVector finite = u.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector special = u.or(0x7F80_0000);
        special = special.blend(special.or(QUIET), u.compare(GT, EXPONENT));
        IntVector magnitude = finite.blend(special, u.compare(GE, EXPONENT));
        return magnitude.or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats();
    }
}
