package dev.colossus.cpu.indexing;

import static dev.colossus.cpu.simd.NativeSegments.exact;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static dev.colossus.cpu.simd.VectorLanes.S;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SlabCopies} on the Vector API: the four slabs walked together, a vector of each in turn,
 * then the tails shorter than a vector by bulk copies. Four streams of reads in flight at once keep
 * the memory busy where one slab after another starts each afresh. On the Zen 5 machine,
 * IndexingBench's embedding (4096 random 8 KiB rows of a 250 MiB table, two threads) went from 42
 * to 61 GB/s, 0.40 to 0.63 of the bulk copy's rate in its own forks and 0.48 to 0.76 timed beside
 * it (a full sitting an hour later, where the unchanged ops lost up to a third: 0.46 and 0.66);
 * rows of 2 and 4 KiB gained as much in a throwaway harness, rows of 768 bytes nothing either way.
 */
final class VectorSlabCopies implements SlabCopies {
    private static final VectorSpecies<Byte> BYTES = S.withLanes(byte.class);
    private static final int STEP = BYTES.vectorByteSize();

    @Override
    public void copyFour(MemorySegment from, long a, long b, long c, long d, MemorySegment to, long at, long bytes) {
        long i = 0;
        for (; i + STEP <= bytes; i += STEP) {
            ByteVector va = ByteVector.fromMemorySegment(BYTES, exact(from), a + i, NATIVE);
            ByteVector vb = ByteVector.fromMemorySegment(BYTES, exact(from), b + i, NATIVE);
            ByteVector vc = ByteVector.fromMemorySegment(BYTES, exact(from), c + i, NATIVE);
            ByteVector vd = ByteVector.fromMemorySegment(BYTES, exact(from), d + i, NATIVE);
            va.intoMemorySegment(exact(to), at + i, NATIVE);
            vb.intoMemorySegment(exact(to), at + bytes + i, NATIVE);
            vc.intoMemorySegment(exact(to), at + 2 * bytes + i, NATIVE);
            vd.intoMemorySegment(exact(to), at + 3 * bytes + i, NATIVE);
        }
        if (i < bytes) {
            long tail = bytes - i;
            MemorySegment.copy(from, a + i, to, at + i, tail);
            MemorySegment.copy(from, b + i, to, at + bytes + i, tail);
            MemorySegment.copy(from, c + i, to, at + 2 * bytes + i, tail);
            MemorySegment.copy(from, d + i, to, at + 3 * bytes + i, tail);
        }
    }
}
