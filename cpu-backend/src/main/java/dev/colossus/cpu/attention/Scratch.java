package dev.colossus.cpu.attention;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory a kernel's task works in (packed tiles, score rows, running maxima), counted as they
 * are handed out: a test reads {@link #requestedBytes()} before and after an op to see how much
 * scratch it needs, a count that does not depend on what the JIT has compiled yet (heap allocation
 * counters do: the Vector API boxes its vectors until C2 has compiled a loop).
 */
final class Scratch {
    private static final AtomicLong REQUESTED_BYTES = new AtomicLong();

    private Scratch() {
    }

    /** A zeroed array of {@code length} floats. */
    static float[] floats(int length) {
        REQUESTED_BYTES.addAndGet(4L * length);
        return new float[length];
    }

    /** {@code bytes} of native memory from {@code arena}, 64-byte aligned. */
    static MemorySegment segment(Arena arena, long bytes) {
        REQUESTED_BYTES.addAndGet(bytes);
        return arena.allocate(bytes, 64);
    }

    /** Bytes of scratch handed out so far, in this process. */
    static long requestedBytes() {
        return REQUESTED_BYTES.get();
    }
}
