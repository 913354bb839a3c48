package dev.colossus.cpu.attention;

import dev.colossus.DType;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.spi.Operand;

/**
 * A task's copy of the mask's values for a run of keys, read from the mask once and reused while the
 * rows that follow ask for the same run: a padding mask, (B, 1, 1, Lk), is one run per batch and key
 * block for every head and query. Read per row, element by element as a BOOL mask is, it cost MiniLM's
 * attention (B 32, 12 heads, L 69) more than both of its products.
 */
final class MaskRow {
    private final float[] values;
    /** The mask's element the values start at, and how many there are; -1 before the first read. */
    private long element = -1;
    private int count;

    MaskRow(int capacity) {
        values = Scratch.floats(capacity);
    }

    /**
     * Masks scores {@code [at, at + n)} with the mask's run from element {@code element}: -Inf where a
     * boolean mask is false, the value added where it is additive.
     */
    void apply(Operand mask, long element, float[] scores, int at, int n) {
        if (element != this.element || n > count) {
            FloatIO.load(mask, element, mask.strides()[3], values, 0, n);
            this.element = element;
            count = n;
        }
        if (mask.dtype() == DType.BOOL) {
            for (int j = 0; j < n; j++) {
                if (values[j] == 0) {
                    scores[at + j] = Float.NEGATIVE_INFINITY;
                }
            }
        } else {
            for (int j = 0; j < n; j++) {
                scores[at + j] += values[j];
            }
        }
    }
}
