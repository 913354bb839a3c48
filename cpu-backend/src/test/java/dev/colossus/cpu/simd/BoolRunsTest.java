package dev.colossus.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * BOOL runs between memory and F32 buffers ({@link RowKernels#widenBool}, {@link RowKernels#narrowBool}):
 * any byte other than 0 reads as 1, any float other than ±0 (NaN included) writes 1, over every length
 * to 70 from an odd offset, so that the vector loop and its scalar tail both run.
 */
class BoolRunsTest {
    private static final RowKernels ROWS = RowKernels.instance();
    private static final float[] FLOATS = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE, 0.5f, 2f};

    @Test
    void everyByteWidensToWhetherItIsSet() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(256 + 3);
            for (int b = 0; b < 256; b++) {
                bytes.set(ValueLayout.JAVA_BYTE, 3 + b, (byte) b);
            }
            for (int n = 0; n <= 70; n++) {
                float[] widened = new float[1 + 256];
                ROWS.widenBool(bytes, 3 + 256 - n, widened, 1, n);
                for (int i = 0; i < n; i++) {
                    int b = 256 - n + i;
                    assertEquals(b != 0 ? 1f : 0f, widened[1 + i], "byte " + b + " of a run of " + n);
                }
            }
            float[] widened = new float[256];
            ROWS.widenBool(bytes, 3, widened, 0, 256);
            for (int b = 0; b < 256; b++) {
                assertEquals(b != 0 ? 1f : 0f, widened[b], "byte " + b);
            }
        }
    }

    @Test
    void floatsNarrowToWhetherTheyAreNotZero() {
        float[] values = new float[1 + 70];
        for (int i = 0; i < values.length; i++) {
            values[i] = FLOATS[i * 7 % FLOATS.length];
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(3 + 70 + 1);
            for (int n = 0; n <= 70; n++) {
                bytes.fill((byte) 7);
                ROWS.narrowBool(values, 1, bytes, 3, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(values[1 + i] != 0 ? 1 : 0, bytes.get(ValueLayout.JAVA_BYTE, 3 + i), values[1 + i] + " in a run of " + n);
                }
                assertEquals(7, bytes.get(ValueLayout.JAVA_BYTE, 3 + n), "the byte after a run of " + n);
                assertEquals(7, bytes.get(ValueLayout.JAVA_BYTE, 2), "the byte before a run of " + n);
            }
        }
    }
}
