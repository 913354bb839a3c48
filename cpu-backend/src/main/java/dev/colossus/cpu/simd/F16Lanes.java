package dev.colossus.cpu.simd;

import static dev.colossus.cpu.simd.VectorLanes.HALVES;
import static dev.colossus.cpu.simd.VectorLanes.INTS;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * F16 runs widened to F32 in registers, with integer lanes: JDK 25's Vector API has no F16
 * conversion. Bit for bit as {@link Float#float16ToFloat} (every one of the 2^16 halves: {@code
 * F16LanesTest}). F16: sign s, exponent e (5 bits, bias 15), mantissa m (10 bits); F32: exponent
 * bias 127, mantissa 23 bits. The way back, rounding to nearest even, is {@link FloatIO#narrowF16}'s
 * loop, which C2 compiles to vector conversions: written with integer lanes in the same loop as the
 * widening, it took C2 past its inlining limits.
 */
public final class F16Lanes {
    /** F16's exponent field where F32's lies ({@code (h & 0x7FFF) << 13}). */
    private static final int EXPONENT = 0x0F80_0000;
    /** The exponent bias's difference, {@code (127 - 15) << 23}. */
    private static final int REBIAS = 0x3800_0000;
    /** F32's quiet-NaN bit, which widening sets, as the JDK does. */
    private static final int QUIET = 0x0040_0000;

    private F16Lanes() {
    }

    /** The L F16 values at byte {@code at}, widened to F32 (exact). */
    public static FloatVector loadF16(MemorySegment m, long at) {
        ShortVector halves = ShortVector.fromMemorySegment(HALVES, m, at, NATIVE);
        return widened((IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, INTS, 0));
    }

    /**
     * F32 from the F16 bits in each lane's low half: u = (e, m) moved into F32's fields; a normal
     * number is u with the exponent rebiased, infinity and NaN u with F32's exponent all ones (NaN
     * made quiet), and a subnormal m 2^-24 = (2^-14 with mantissa m) - 2^-14, exact in F32 (so is
     * zero); then the sign.
     */
    static FloatVector widened(IntVector h) {
        IntVector u = h.and(0x7FFF).lanewise(LSHL, 13);
        IntVector exponent = u.and(EXPONENT);
        IntVector normal = u.add(REBIAS);
        IntVector subnormal = normal.add(0x0080_0000).reinterpretAsFloats().sub(0x1p-14f).reinterpretAsInts();
        IntVector special = u.add(2 * REBIAS);
        special = special.blend(special.or(QUIET), u.compare(GT, EXPONENT));
        IntVector magnitude = normal.blend(special, exponent.eq(EXPONENT)).blend(subnormal, exponent.eq(0));
        return magnitude.or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats();
    }
}
