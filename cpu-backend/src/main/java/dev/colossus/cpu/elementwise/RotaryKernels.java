package dev.colossus.cpu.elementwise;

import dev.colossus.DType;
import dev.colossus.cpu.simd.Simd;
import java.lang.foreign.MemorySegment;

/**
 * A rotary embedding's arithmetic, {@code (a, b) -> (a cos - b sin, b cos + a sin)} for each pair, as
 * two products and a difference, two products and a sum (no FMA, so every implementation gives the
 * same bits): over F32 buffers, and straight between memory for a contiguous F32 or BF16 row. Two
 * implementations: {@link VectorRotaryKernels} and {@link ScalarRotaryKernels}.
 */
public interface RotaryKernels {
    /** The implementation for this process's {@link Simd#BITS}. */
    static RotaryKernels instance() {
        return Holder.INSTANCE;
    }

    /** {@code (a[i], b[i]) = (a[i] cos[i] - b[i] sin[i], b[i] cos[i] + a[i] sin[i])} in place. */
    void rotate(float[] a, float[] b, float[] cos, float[] sin, int n);

    /**
     * {@code rows} rows of {@code 2 pairs} values of {@code dtype} (F32 or BF16), each contiguous, the
     * first at byte {@code x.at()} of x and the next {@code x.step()} bytes on, into out's rows, row r
     * by its angles as {@link #spread} lays them out, {@link #angleWidth} values a row: rotate-half
     * turns the pairs {@code (x[p], x[p + pairs])} to {@code (a cos - b sin, b cos + a sin)};
     * interleaved computes {@code out[j] = x[j] cos[j] + x[j ^ 1] sin[j]}. The angles come as F32
     * arrays: with BF16 loads of them in the loop too, C2's code ran at a third of the speed it reaches
     * with two.
     */
    void rotateRows(DType dtype, boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs);

    /** The angles' values a row takes in the arrays {@link #rotateRows} reads: pairs, or 2 pairs interleaved. */
    static int angleWidth(boolean interleaved, int pairs) {
        return interleaved ? 2 * pairs : pairs;
    }

    /**
     * One row's {@code pairs} angles, {@code cos[0..]} and {@code sin[0..]}, into {@code wideCos[at..]}
     * and {@code wideSin[at..]} as {@link #rotateRows} takes them: as they are for rotate-half; for
     * interleaved pairs spread to {@code c c} and {@code -s s}, so that {@code x cos + swap(x) sin} is
     * {@code a c + b (-s) = a c - b s} for a pair's first value and {@code b c + a s} for its second
     * (the roundings of two products and a difference). Rotate-half keeps them compact: spread, they
     * took twice the cache and the row ran at 0.8 of the rate.
     */
    static void spread(boolean interleaved, float[] cos, float[] sin, float[] wideCos, float[] wideSin, int at, int pairs) {
        if (!interleaved) {
            System.arraycopy(cos, 0, wideCos, at, pairs);
            System.arraycopy(sin, 0, wideSin, at, pairs);
            return;
        }
        for (int p = 0; p < pairs; p++) {
            wideCos[at + 2 * p] = cos[p];
            wideCos[at + 2 * p + 1] = cos[p];
            wideSin[at + 2 * p] = -sin[p];
            wideSin[at + 2 * p + 1] = sin[p];
        }
    }

    /** Rows in memory: the first at byte {@code at} of {@code memory}, each next {@code step} bytes on. */
    record Rows(MemorySegment memory, long at, long step) {
        /** The byte offset of row r. */
        long row(long r) {
            return at + r * step;
        }
    }

    /** Loads the implementation only on first use, so the scalar path never touches the Vector API. */
    final class Holder {
        private static final RotaryKernels INSTANCE = Simd.BITS == 0 ? new ScalarRotaryKernels() : new VectorRotaryKernels();

        private Holder() {
        }
    }
}
