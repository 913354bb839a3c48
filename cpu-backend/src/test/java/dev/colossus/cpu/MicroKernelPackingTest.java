package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The micro-kernel's A panels: whatever path packs them (the in-register transpose on AVX-512), each
 * holds {@code rows[i * ld + k]} at {@code k * MR + i}, for every depth from 1 to past three vectors,
 * with rows longer than the depth, at an offset into the destination.
 */
class MicroKernelPackingTest {
    @Test
    void packsRowsAsPanels() {
        MicroKernel kernel = MicroKernel.instance();
        int mr = kernel.mr();
        SplittableRandom random = new SplittableRandom();
        for (int kc = 1; kc <= 53; kc++) {
            int ld = kc + random.nextInt(3);
            float[] rows = new float[mr * ld];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = (float) random.nextDouble(-1, 1);
            }
            int dstOff = random.nextInt(5);
            float[] expected = new float[dstOff + mr * kc + 3];
            for (int k = 0; k < kc; k++) {
                for (int i = 0; i < mr; i++) {
                    expected[dstOff + k * mr + i] = rows[i * ld + k];
                }
            }
            float[] packed = new float[expected.length];
            kernel.packA(rows, ld, kc, packed, dstOff);
            assertArrayEquals(expected, packed, "kc " + kc + ", ld " + ld + ", offset " + dstOff);
        }
    }
}
