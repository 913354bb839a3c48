package dev.colossus.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The micro-kernel's interleaving of rows, as A panels (stride MR) and into B panels (stride NR):
 * whatever path does it (the in-register transpose on AVX-512), {@code rows[rowsOff + i * ld + k]} lands
 * at {@code k * stride + i}, for every depth from 1 to past three vectors, with rows longer than the
 * depth, at offsets into the rows and the destination, and nothing else is written.
 */
class MicroKernelPackingTest {
    @Test
    void interleavesRowsIntoPanels() {
        MicroKernel kernel = MicroKernel.instance();
        int mr = kernel.mr();
        SplittableRandom random = new SplittableRandom();
        for (int kc = 1; kc <= 53; kc++) {
            int ld = kc + random.nextInt(3);
            int rowsOff = random.nextInt(5);
            float[] rows = new float[rowsOff + mr * ld];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = (float) random.nextDouble(-1, 1);
            }
            int dstOff = random.nextInt(5);
            for (int stride : new int[] {mr, kernel.nr()}) {
                float[] expected = new float[dstOff + stride * kc + 3];
                for (int k = 0; k < kc; k++) {
                    for (int i = 0; i < mr; i++) {
                        expected[dstOff + k * stride + i] = rows[rowsOff + i * ld + k];
                    }
                }
                float[] packed = new float[expected.length];
                kernel.interleave(rows, rowsOff, ld, mr, kc, packed, dstOff, stride);
                assertArrayEquals(expected, packed,
                        "kc " + kc + ", ld " + ld + ", rows' offset " + rowsOff + ", offset " + dstOff + ", stride " + stride);
            }
        }
    }
}
