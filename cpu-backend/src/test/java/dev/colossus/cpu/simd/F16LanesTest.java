package dev.colossus.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.BeforeAll;
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
}
