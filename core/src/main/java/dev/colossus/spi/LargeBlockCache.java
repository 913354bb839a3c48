package dev.colossus.spi;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;

/**
 * Freed host blocks of {@link #MIN_BYTES} or more, kept by exact size and handed out again. glibc
 * gives a block above its mmap threshold back to the kernel when it is freed, so a fresh one costs a
 * page fault for each 4 KiB page its first writer touches: an op that writes a new 64 MiB tensor on
 * every call ran at a sixth of the copy bandwidth that way.
 *
 * <p>The owner says how many bytes may be kept ({@link #put}, {@link #shrinkTo}): blocks past that
 * are freed, those freed longest ago first, so a burst of sizes never seen again does not stay
 * cached for good.
 */
final class LargeBlockCache {
    static final long MIN_BYTES = 1L << 20;

    private record Block(MemorySegment address, long bytes) {
    }

    /** Newest first. */
    private final LinkedList<Block> blocks = new LinkedList<>();
    private long cachedBytes;

    /** The most recently freed block of exactly {@code bytes}, or null. */
    synchronized MemorySegment take(long bytes) {
        for (Iterator<Block> it = blocks.iterator(); it.hasNext(); ) {
            Block block = it.next();
            if (block.bytes() == bytes) {
                it.remove();
                cachedBytes -= bytes;
                return block.address();
            }
        }
        return null;
    }

    /**
     * Keeps {@code block} of {@code bytes} for reuse, then frees the oldest blocks until at most
     * {@code capacity} bytes are kept ({@code block} itself when it alone is larger).
     */
    void put(MemorySegment block, long bytes, long capacity) {
        List<Block> evicted = new ArrayList<>();
        synchronized (this) {
            if (bytes > capacity) {
                evicted.add(new Block(block, bytes));
            } else {
                blocks.addFirst(new Block(block, bytes));
                cachedBytes += bytes;
                evictBeyond(capacity, evicted);
            }
        }
        evicted.forEach(b -> NativeHeap.free(b.address()));
    }

    /** Frees the oldest blocks until at most {@code capacity} bytes are kept. */
    void shrinkTo(long capacity) {
        List<Block> evicted = new ArrayList<>();
        synchronized (this) {
            evictBeyond(capacity, evicted);
        }
        evicted.forEach(b -> NativeHeap.free(b.address()));
    }

    private void evictBeyond(long capacity, List<Block> evicted) {
        while (cachedBytes > capacity) {
            Block oldest = blocks.removeLast();
            cachedBytes -= oldest.bytes();
            evicted.add(oldest);
        }
    }

    /** Frees every cached block. */
    void clear() {
        List<Block> all;
        synchronized (this) {
            all = new ArrayList<>(blocks);
            blocks.clear();
            cachedBytes = 0;
        }
        all.forEach(b -> NativeHeap.free(b.address()));
    }

    synchronized long cachedBytes() {
        return cachedBytes;
    }
}
