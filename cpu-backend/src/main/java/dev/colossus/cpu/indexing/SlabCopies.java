package dev.colossus.cpu.indexing;

import dev.colossus.cpu.simd.Simd;
import java.lang.foreign.MemorySegment;

/**
 * The copies of a gather: four slabs of {@code bytes} from scattered places of one segment to four
 * consecutive places of another, {@code to[at + q bytes ..] = from[slab_q ..]} for q = 0..3. Two
 * implementations: {@link VectorSlabCopies}, which walks the four slabs together, and {@link
 * ScalarSlabCopies}, one bulk copy a slab.
 */
interface SlabCopies {
    /** The implementation for this process's {@link Simd#BITS}. */
    static SlabCopies instance() {
        return Holder.INSTANCE;
    }

    /** Slabs at byte offsets a, b, c and d of {@code from} to bytes {@code [at, at + 4 bytes)} of {@code to}, in that order. */
    void copyFour(MemorySegment from, long a, long b, long c, long d, MemorySegment to, long at, long bytes);

    /** Loads the implementation only on first use, so the scalar path never touches the Vector API. */
    final class Holder {
        private static final SlabCopies INSTANCE = Simd.BITS == 0 ? new ScalarSlabCopies() : new VectorSlabCopies();

        private Holder() {
        }
    }
}
