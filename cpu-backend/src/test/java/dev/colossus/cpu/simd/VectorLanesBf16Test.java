package dev.colossus.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.reference.Elements;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vector BF16 stores round every F32 as the reference's {@link Elements#floatToBf16} does, bit for
 * bit: every upper half (each sign, exponent and the 7 kept mantissa bits, NaNs and infinities among
 * them) under the low halves where rounding turns (0x7FFF, 0x8000, 0x8001) and its ends. The stores
 * with no test for NaN ({@link VectorLanes#storeBf16Arithmetic}) are held to their precondition: their
 * NaNs are quiet with zero low halves, as arithmetic on BF16 values makes them.
 */
class VectorLanesBf16Test {
    private static final int[] LOW_HALVES = {0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xC000, 0xFFFF};

    @BeforeAll
    static void needsTheVectorPath() {
        assumeTrue(Simd.BITS > 0, "the Vector API is off here");
    }

    @Test
    void storeBf16RoundsAsTheReference() {
        assertRoundsAsTheReference("storeBf16", false, VectorLanes::storeBf16);
    }

    @Test
    void storeBf16ArithmeticRoundsAsTheReferenceForArithmeticNaNs() {
        assertRoundsAsTheReference("storeBf16Arithmetic", true, VectorLanes::storeBf16Arithmetic);
    }

    /** Lows and highs stored as pairs: each value where {@link VectorLanes#loadBf16Pairs} reads it back. */
    @Test
    void storeBf16PairsArithmeticRoundsAsTheReferenceAndPairsAsLoadsRead() {
        int lanes = VectorLanes.L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(4L * lanes);
            float[] lows = new float[lanes], highs = new float[lanes];
            for (int upper = 0; upper < 1 << 16; upper += lanes) {
                for (int low : LOW_HALVES) {
                    for (int i = 0; i < lanes; i++) {
                        lows[i] = value(upper + i, low, true);
                        highs[i] = value(upper + lanes - 1 - i, low, true);
                    }
                    VectorLanes.storeBf16PairsArithmetic(FloatVector.fromArray(VectorLanes.S, lows, 0),
                            FloatVector.fromArray(VectorLanes.S, highs, 0), out, 0);
                    for (int i = 0; i < lanes; i++) {
                        assertBits("storeBf16PairsArithmetic low", lows[i], out.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i));
                        assertBits("storeBf16PairsArithmetic high", highs[i],
                                out.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i + 1));
                    }
                }
            }
        }
    }

    private interface Store {
        void store(FloatVector v, MemorySegment m, long at);
    }

    private static void assertRoundsAsTheReference(String name, boolean arithmeticNaNs, Store store) {
        int lanes = VectorLanes.L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(2L * lanes);
            float[] values = new float[lanes];
            for (int upper = 0; upper < 1 << 16; upper += lanes) {
                for (int low : LOW_HALVES) {
                    for (int i = 0; i < lanes; i++) {
                        values[i] = value(upper + i, low, arithmeticNaNs);
                    }
                    store.store(FloatVector.fromArray(VectorLanes.S, values, 0), out, 0);
                    for (int i = 0; i < lanes; i++) {
                        assertBits(name, values[i], out.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
                    }
                }
            }
        }
    }

    /** The F32 of these halves; where asked, a NaN quiet with its low half zero, as arithmetic on BF16 makes NaNs. */
    private static float value(int upper, int low, boolean arithmeticNaNs) {
        float value = Float.intBitsToFloat(upper << 16 | low);
        return arithmeticNaNs && Float.isNaN(value) ? Float.intBitsToFloat((upper | 0x0040) << 16) : value;
    }

    private static void assertBits(String name, float value, short actual) {
        short expected = Elements.floatToBf16(value);
        assertEquals(expected, actual, () -> String.format("%s of 0x%08X: 0x%04X, the reference 0x%04X", name,
                Float.floatToRawIntBits(value), actual, expected));
    }
}
