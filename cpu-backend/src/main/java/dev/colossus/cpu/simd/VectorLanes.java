package dev.colossus.cpu.simd;


import static dev.colossus.cpu.simd.NativeSegments.exact;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species at {@link Simd#BITS} and the lane operations every vector kernel shares: a sum
 * of lanes in one fixed order, loads of F32 and BF16 runs from native memory, the BF16 store, and BF16
 * pairs read and written as int lanes.
 */
public final class VectorLanes {
    public static final VectorSpecies<Float> S = switch (Simd.BITS) {
        case 128 -> FloatVector.SPECIES_128;
        case 256 -> FloatVector.SPECIES_256;
        default -> FloatVector.SPECIES_512;
    };
    public static final int L = S.length();
    /** Doubles in a vector of S's shape (L / 2 lanes). */
    public static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED.withShape(S.vectorShape()).check(double.class);
    public static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** L shorts (BF16 inputs) and L ints of S's shape, to widen them. */
    public static final VectorSpecies<Short> HALVES = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(S.vectorBitSize() / 2)).check(short.class);
    public static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED.withShape(S.vectorShape()).check(int.class);
    /** An int lane's upper 16 bits: the second BF16 value of a pair ({@link #loadBf16Pairs}), in place as F32. */
    public static final int HIGH_HALF = 0xFFFF_0000;

    /** Lane i takes lane i + d (mod L): the folds of {@link #sumOfLanes}, constants that C2 folds into its permutes. */
    public static final VectorShuffle<Float> BY_8 = shuffleBy(8), BY_4 = shuffleBy(4), BY_2 = shuffleBy(2);

    /**
     * The sum of v's lanes, halves folded onto each other (lane i plus lane i + 8, then i + 4, then i +
     * 2, then lanes 0 and 1): one order whether or not C2 has compiled the caller. {@code
     * reduceLanes(ADD)} leaves the order to the implementation, and the Vector API's Java code (lane by
     * lane) and C2's intrinsic differ in 676 of 1000 random 16-lane sums on this machine: a result
     * changed in its last bits once its loop was compiled, and the same op twice gave different bits.
     * Only decode attention's dot products ({@link dev.colossus.cpu.matmul.RowProducts#dots}) keep
     * {@code reduceLanes}: these folds made decode 1.7x slower ({@code benchmarks/results/cpu/README.md}).
     */
    public static float sumOfLanes(FloatVector v) {
        if (L > 8) {
            v = v.add(v.rearrange(BY_8));
        }
        if (L > 4) {
            v = v.add(v.rearrange(BY_4));
        }
        v = v.add(v.rearrange(BY_2));
        return v.lane(0) + v.lane(1);
    }

    public static VectorShuffle<Float> shuffleBy(int d) {
        return VectorShuffle.fromOp(S, i -> (i + d) % L);
    }

    /**
     * {@code max(max, v)} lanewise by a compare and a blend, where Java's max (NaN and signed-zero
     * rules) takes six instructions: for softmax's next-row max, which a NaN need not enter, since the
     * NaN's own exponential makes the row's sum NaN.
     */
    public static FloatVector runningMax(FloatVector max, FloatVector v) {
        return max.blend(v, v.compare(VectorOperators.GT, max));
    }

    /** The L F32 values from element i of the row at byte at. */
    public static FloatVector load(MemorySegment x, long at, int i) {
        return FloatVector.fromMemorySegment(S, exact(x), at + 4L * i, NATIVE);
    }

    /** The L BF16 values at byte {@code at}, widened to F32 (exact: BF16 is F32's upper half). */
    public static FloatVector loadBf16(MemorySegment m, long at) {
        ShortVector halves = ShortVector.fromMemorySegment(HALVES, exact(m), at, NATIVE);
        return ((IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, INTS, 0)).lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    /**
     * v rounded to BF16 at byte {@code at}, as {@code Elements.floatToBf16} rounds: to nearest even
     * (add 0x7FFF plus the lowest kept bit, keep the upper half), NaN quietened.
     */
    public static void storeBf16(FloatVector v, MemorySegment m, long at) {
        IntVector result = roundedBf16(v).lanewise(VectorOperators.LSHR, 16);
        ((ShortVector) result.convertShape(VectorOperators.I2S, HALVES, 0)).intoMemorySegment(exact(m), at, NATIVE);
    }

    /**
     * Pairs of BF16 values, the L pairs at byte {@code at} as L ints: the first of each pair in a lane's
     * low half ({@link #lowBf16}), the second in its high half ({@link #highBf16}). Read so, 2L BF16
     * values widen by a shift or a mask, no conversion between shapes.
     */
    public static IntVector loadBf16Pairs(MemorySegment m, long at) {
        return IntVector.fromMemorySegment(INTS, exact(m), at, ByteOrder.LITTLE_ENDIAN);
    }

    /** The first value of each BF16 pair, as F32 (exact). */
    public static FloatVector lowBf16(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The second value of each BF16 pair, as F32 (exact). */
    public static FloatVector highBf16(IntVector pairs) {
        return pairs.and(HIGH_HALF).reinterpretAsFloats();
    }

    /**
     * v rounded to BF16 at byte {@code at}, as {@link #storeBf16} rounds, where every NaN in v is
     * quiet with its low 16 bits zero ({@link #roundedBf16Arithmetic}): for values computed from BF16
     * values.
     */
    public static void storeBf16Arithmetic(FloatVector v, MemorySegment m, long at) {
        IntVector result = roundedBf16Arithmetic(v).lanewise(VectorOperators.LSHR, 16);
        ((ShortVector) result.convertShape(VectorOperators.I2S, HALVES, 0)).intoMemorySegment(exact(m), at, NATIVE);
    }

    /**
     * {@code lows} and {@code highs} rounded to BF16 as {@link #storeBf16Arithmetic} rounds them, stored
     * as the pairs {@link #loadBf16Pairs} reads.
     */
    public static void storeBf16PairsArithmetic(FloatVector lows, FloatVector highs, MemorySegment m, long at) {
        roundedBf16Arithmetic(lows).lanewise(VectorOperators.LSHR, 16).or(roundedBf16Arithmetic(highs).and(HIGH_HALF))
                .intoMemorySegment(exact(m), at, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * {@link #roundedBf16} without its test for NaN, for v whose NaNs are quiet with their low 16 bits
     * zero: rounding adds at most 0x8000 to such a NaN's zero low half, which carries nothing into the
     * upper half, so the NaN comes out as {@code Elements.floatToBf16} makes it. Every NaN that
     * arithmetic makes from BF16 values (low halves zero) and canonical NaNs is such: x86 and Arm
     * return an operand's NaN quietened or their default NaN ({@code 0xFFC00000}, {@code 0x7FC00000}).
     * Four of a store's eleven vector instructions fewer: BF16 rotary embeddings in L1 ran 1.2x faster.
     */
    private static IntVector roundedBf16Arithmetic(FloatVector v) {
        IntVector bits = v.reinterpretAsInts();
        return bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
    }

    /** v's bits with the BF16 they round to (to nearest even; NaN quietened) in each lane's upper half. */
    private static IntVector roundedBf16(FloatVector v) {
        return roundedBf16Arithmetic(v).blend(v.reinterpretAsInts().or(0x0040_0000), v.test(VectorOperators.IS_NAN).cast(INTS));
    }
}
