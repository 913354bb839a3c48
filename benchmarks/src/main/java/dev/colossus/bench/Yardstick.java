package dev.colossus.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The memory-bandwidth yardsticks the data-movement benchmarks are measured against: two native
 * buffers of {@code bytes}, copied or read by as many threads as the CPU backend uses by default (one
 * per processor), each taking an equal part.
 */
final class Yardstick implements AutoCloseable {
    private static final int PARTS = Runtime.getRuntime().availableProcessors();

    private final Arena arena = Arena.ofShared();
    private final long bytes;
    private final MemorySegment from;
    private final MemorySegment to;

    Yardstick(long bytes) {
        this.bytes = bytes;
        from = arena.allocate(bytes, 64).fill((byte) 1);
        to = arena.allocate(bytes, 64).fill((byte) 0);
    }

    /** Copies the buffer, a bulk copy a thread; returns the bytes copied. */
    long copy() {
        long part = bytes / PARTS;
        IntStream.range(0, PARTS).parallel().forEach(p -> MemorySegment.copy(from, p * part, to, p * part, part));
        return bytes;
    }

    /**
     * Copies the buffer as {@link #copy} does, each thread's part as bulk copies of {@code piece} bytes
     * one after another: below about 2.5 MB a bulk copy stores through the cache, as every Java loop does,
     * where the whole part's copy uses non-temporal stores. Returns the bytes copied.
     */
    long copyInPieces(long piece) {
        return copyInPieces(from, 0, piece);
    }

    /**
     * As {@link #copyInPieces(long)}, the bytes read from {@code source} at {@code sourceAt} on: a source
     * the cache does not hold gives the rate of an op that reads memory and stores through the cache.
     */
    long copyInPieces(MemorySegment source, long sourceAt, long piece) {
        long part = bytes / PARTS;
        IntStream.range(0, PARTS).parallel().forEach(p -> {
            for (long at = p * part, end = at + part; at < end; at += piece) {
                MemorySegment.copy(source, sourceAt + at, to, at, Math.min(piece, end - at));
            }
        });
        return bytes;
    }

    /** Reads the buffer, summed as floats; returns the sum, so that nothing is left unread. */
    double read() {
        long part = bytes / PARTS;
        return IntStream.range(0, PARTS).parallel().mapToDouble(p -> sum(p * part, (p + 1) * part)).sum();
    }

    /** The floats of bytes {@code [start, end)} summed, four vectors of accumulators. */
    private float sum(long start, long end) {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        int step = s.vectorByteSize();
        FloatVector a = FloatVector.zero(s), b = a, c = a, d = a;
        for (long i = start; i < end; i += 4L * step) {
            a = a.add(FloatVector.fromMemorySegment(s, from, i, ByteOrder.nativeOrder()));
            b = b.add(FloatVector.fromMemorySegment(s, from, i + step, ByteOrder.nativeOrder()));
            c = c.add(FloatVector.fromMemorySegment(s, from, i + 2L * step, ByteOrder.nativeOrder()));
            d = d.add(FloatVector.fromMemorySegment(s, from, i + 3L * step, ByteOrder.nativeOrder()));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void close() {
        arena.close();
    }
}
