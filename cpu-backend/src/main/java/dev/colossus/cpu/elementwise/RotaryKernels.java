package dev.colossus.cpu.elementwise;

import dev.colossus.cpu.simd.Simd;
import java.lang.foreign.MemorySegment;

/**
 * A rotary embedding's arithmetic, {@code (a, b) -> (a cos - b sin, b cos + a sin)} for each pair, as
 * two products and a difference, two products and a sum (no FMA, so every implementation gives the
 * same bits): over F32 buffers, and straight between memory for contiguous F32 or BF16 rows. Two
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
     * {@code rows} rows of {@code 2 pairs} F32 values, each contiguous, the first at byte {@code x.at()}
     * of x and the next {@code x.step()} bytes on, into out's rows, row r by its angles as {@link
     * #layAngles} lays them out, {@link #angleWidth} values a row: rotate-half turns the pairs {@code
     * (x[p], x[p + pairs])}, interleaved the pairs {@code (x[2p], x[2p + 1])}, to {@code (a cos - b sin,
     * b cos + a sin)}.
     */
    void rotateRows(boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs);

    /** The values a row's angles take in the arrays {@link #rotateRows} reads: {@code pairs} or more. */
    int angleWidth(boolean interleaved, int pairs);

    /**
     * One row's {@code pairs} angles, {@code cos[0..]} and {@code sin[0..]}, into {@code rowCos[at..]}
     * and {@code rowSin[at..]}, {@link #angleWidth} values each, in the order {@link #rotateRows} reads
     * them.
     */
    void layAngles(boolean interleaved, float[] cos, float[] sin, float[] rowCos, float[] rowSin, int at, int pairs);

    /**
     * {@code rows} rows of {@code 2 pairs} BF16 values into out's, as {@link #rotateRows} turns them,
     * row r by row r of cos and sin, {@code pairs} BF16 values each, read where they lie: every row of
     * x, out, cos and sin contiguous, each next one its {@link Rows#step} on. BF16 angles need no F32
     * copy laid out first: a pair of BF16 values is one int lane, widened by a shift or a mask.
     */
    void rotateBf16Rows(boolean interleaved, Rows x, Rows out, Rows cos, Rows sin, int rows, int pairs);

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
