package dev.colossus.cpu.attention;

import dev.colossus.DType;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.spi.Operand;
import java.util.Arrays;

/**
 * A task's copy of the mask's values for a run of keys, read from the mask once and reused while the
 * rows that follow ask for the same run: a padding mask, (B, 1, 1, Lk), is one run per batch and key
 * block for every head and query. Read per row, element by element as a BOOL mask is, it cost MiniLM's
 * attention (B 32, 12 heads, L 69) more than both of its products.
 *
 * <p>With the run it keeps where the mask first changes a score ({@link #open}: a BOOL false, an
 * additive value other than 0) and the end of the keys it lets through ({@link #seen}: past the last
 * BOOL true, or the last additive value other than -Inf), so that a run with nothing to mask is not
 * applied and a padding mask's trailing keys are not computed at all.
 */
final class MaskRow {
    private final float[] values;
    /** The mask's element the values start at, and how many there are; -1 before the first read. */
    private long element = -1;
    private int count;
    private int open;
    private int seen;

    MaskRow(int capacity) {
        values = Scratch.floats(capacity);
    }

    /** Reads the run of {@code n} keys from the mask's element {@code element}, unless it holds it already. */
    void read(Operand mask, long element, int n) {
        if (element == this.element && n <= count) {
            return;
        }
        FloatIO.load(mask, element, mask.strides()[3], values, 0, n);
        this.element = element;
        count = n;
        boolean bool = mask.dtype() == DType.BOOL;
        open = 0;
        while (open < n && (bool ? values[open] != 0 : values[open] == 0)) {
            open++;
        }
        seen = n;
        while (seen > 0 && (bool ? values[seen - 1] == 0 : values[seen - 1] == Float.NEGATIVE_INFINITY)) {
            seen--;
        }
    }

    /** Of the run's first {@code n} keys, how many from the first the mask leaves as they are. */
    int open(int n) {
        return Math.min(open, n);
    }

    /** An end to the run's first {@code n} keys past which the mask lets none through. */
    int seen(int n) {
        return Math.min(seen, n);
    }

    /**
     * Masks scores {@code [at, at + n)} with the mask's run from element {@code element}: -Inf where a
     * boolean mask is false, the value added where it is additive.
     */
    void apply(Operand mask, long element, float[] scores, int at, int n) {
        read(mask, element, n);
        if (open(n) == n) {
            return;
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

    /**
     * {@link #apply} to a block of scores, key j's at {@code scores[at + j * stride + c]} for {@code c < width}, with
     * the mask's run from element {@code element}: a run of a query's keys down its column (width 1), or a
     * run every query shares across rows of width queries.
     */
    void applyDown(Operand mask, long element, float[] scores, int at, int n, int stride, int width) {
        read(mask, element, n);
        if (open(n) == n) {
            return;
        }
        boolean bool = mask.dtype() == DType.BOOL;
        for (int j = 0; j < n; j++) {
            int row = at + j * stride;
            if (bool && values[j] == 0) {
                Arrays.fill(scores, row, row + width, Float.NEGATIVE_INFINITY);
            } else if (!bool) {
                for (int c = 0; c < width; c++) {
                    scores[row + c] += values[j];
                }
            }
        }
    }
}
