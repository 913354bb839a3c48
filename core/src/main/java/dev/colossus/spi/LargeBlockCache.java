package dev.colossus.spi;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Freed host blocks of {@link #MIN_BYTES} or more, kept by exact size and handed out again. glibc
 * gives a block above its mmap threshold (32 MiB at most) back to the kernel when it is freed, so a
 * fresh one costs a page fault for each 4 KiB page its first writer touches: an op that writes a new
 * 64 MiB tensor on every call ran at a sixth of the copy bandwidth that way.
 *
 * <p>At most {@code -Dcolossus.host.cacheBytes} (default 1 GiB) are kept; a block that would exceed
 * it is freed at once.
 */
final class LargeBlockCache {
    static final long MIN_BYTES = 1L << 20;
    private static final long CAPACITY = Long.getLong("colossus.host.cacheBytes", 1L << 30);

    private final Map<Long, ArrayDeque<MemorySegment>> free = new HashMap<>();
    private long cachedBytes;

    /** A cached block of exactly {@code bytes}, or null. */
    synchronized MemorySegment take(long bytes) {
        ArrayDeque<MemorySegment> blocks = free.get(bytes);
        MemorySegment block = blocks == null ? null : blocks.poll();
        if (block != null) {
            cachedBytes -= bytes;
        }
        return block;
    }

    /** Keeps {@code block} of {@code bytes} for reuse, or frees it when the cache is full. */
    void put(MemorySegment block, long bytes) {
        synchronized (this) {
            if (cachedBytes + bytes <= CAPACITY) {
                free.computeIfAbsent(bytes, size -> new ArrayDeque<>()).push(block);
                cachedBytes += bytes;
                return;
            }
        }
        NativeHeap.free(block);
    }
}
