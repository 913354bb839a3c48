package dev.colossus.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.BeforeAll;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.junit.jupiter.api.Test;

/** The F16 widening in registers agrees with {@link Float#float16ToFloat} bit for bit, for every half. */
class F16LanesTest {
    @BeforeAll
    static void needsTheVectorPath() {
        assumeTrue(Simd.BITS > 0, "the Vector API is off here");
    }

    @Test
    void loadF16WidensEveryHalfExactly() {
        int lanes = VectorLanes.L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment halves = arena.allocate(2L * lanes);
            float[] widened = new float[lanes];
            for (int first = 0; first < 1 << 16; first += lanes) {
                for (int i = 0; i < lanes; i++) {
                    halves.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (first + i));
                }
                F16Lanes.loadF16(halves, 0).intoArray(widened, 0);
                for (int i = 0; i < lanes; i++) {
                    int half = first + i;
                    assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) half)), Float.floatToRawIntBits(widened[i]),
                            () -> "loadF16 of 0x" + Integer.toHexString(half));
                }
            }
        }
    }

    /**
     * Every half in each place of a word: {@code low} and {@code high} exact for all, {@code
     * lowFinite} and {@code highFinite} exact where the half is finite, and {@code infiniteOrNaNSeen}
     * telling a word with an infinite or NaN half from the rest.
     */
    @Test
    void wordHalvesWidenExactly() {
        int lanes = VectorLanes.L;
        int[] words = new int[lanes];
        float[] widened = new float[lanes];
        for (int first = 0; first < 1 << 16; first += lanes) {
            for (int i = 0; i < lanes; i++) {
                int half = first + i, other = 0xFFFF & (half * 40503 + 12345); // the other half: any bits
                words[i] = half | other << 16;
            }
            IntVector asLow = IntVector.fromArray(VectorLanes.INTS, words, 0);
            IntVector asHigh = asLow.lanewise(VectorOperators.ROR, 16);
            for (int place = 0; place < 4; place++) {
                IntVector w = place % 2 == 0 ? asLow : asHigh;
                FloatVector v = switch (place) {
                    case 0 -> F16Lanes.low(w);
                    case 1 -> F16Lanes.high(w);
                    case 2 -> F16Lanes.lowFinite(w);
                    default -> F16Lanes.highFinite(w);
                };
                v.intoArray(widened, 0);
                for (int i = 0; i < lanes; i++) {
                    int half = first + i;
                    boolean finite = (half & 0x7C00) != 0x7C00;
                    if (place < 2 || finite) {
                        int p = place;
                        assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) half)), Float.floatToRawIntBits(widened[i]),
                                () -> "widening place " + p + " of 0x" + Integer.toHexString(half));
                    }
                }
            }
            for (int i = 0; i < lanes; i++) {
                int half = first + i;
                IntVector one = IntVector.broadcast(VectorLanes.INTS, (i % 2 == 0 ? half << 16 : half) | 0x3C00_3C00 & (i % 2 == 0 ? 0xFFFF : 0xFFFF_0000));
                assertEquals((half & 0x7C00) == 0x7C00, F16Lanes.anyInfiniteOrNaN(F16Lanes.infiniteOrNaNSeen(IntVector.zero(VectorLanes.INTS), one)),
                        () -> "infiniteOrNaNSeen of 0x" + Integer.toHexString(half));
            }
        }
    }
}
