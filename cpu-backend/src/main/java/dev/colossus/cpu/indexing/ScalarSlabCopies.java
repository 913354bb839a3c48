package dev.colossus.cpu.indexing;

import java.lang.foreign.MemorySegment;

/** {@link SlabCopies} without the Vector API: a bulk copy ({@code MemorySegment.copy}) a slab, one after another. */
final class ScalarSlabCopies implements SlabCopies {
    @Override
    public void copyFour(MemorySegment from, long a, long b, long c, long d, MemorySegment to, long at, long bytes) {
        MemorySegment.copy(from, a, to, at, bytes);
        MemorySegment.copy(from, b, to, at + bytes, bytes);
        MemorySegment.copy(from, c, to, at + 2 * bytes, bytes);
        MemorySegment.copy(from, d, to, at + 3 * bytes, bytes);
    }
}
