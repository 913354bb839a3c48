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
     * by the {@code pairs} angles' cos and sin at {@code cos[r * pairs]} and {@code sin[r * pairs]}: the
     * pairs {@code (x[p], x[p + pairs])} ("rotate half") or, interleaved, {@code (x[2p], x[2p + 1])}.
     * The angles come as F32 arrays: with four BF16 loads in the loop (cos and sin too), C2's code ran
     * at a third of the speed it reaches with two.
     */
    void rotateRows(DType dtype, boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs);

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
