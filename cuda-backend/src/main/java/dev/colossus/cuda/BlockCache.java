package dev.colossus.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Freed device blocks of up to {@link #MAX_BYTES}, kept by size class (powers of two from 256 bytes)
 * and handed out again without a driver call, as PyTorch's caching allocator does.
 *
 * <p>Reuse is safe without events because every kernel, copy and cuBLAS call of a context runs on its
 * one stream: a block is returned after the last op that reads it was issued, so the ops that get it
 * next run after that one finished. Larger blocks go back to the driver's stream-ordered pool, which
 * has the same guarantee.
 */
final class BlockCache {
    static final long MAX_BYTES = 1L << 20;
    private static final int MIN_SHIFT = 8;

    @SuppressWarnings("unchecked")
    private final ArrayDeque<Long>[] free = new ArrayDeque[Long.numberOfTrailingZeros(MAX_BYTES) - MIN_SHIFT + 1];

    BlockCache() {
        for (int c = 0; c < free.length; c++) {
            free[c] = new ArrayDeque<>();
        }
    }

    /** The block size that serves {@code bytes} (at most {@link #MAX_BYTES}): the next power of two, at least 256. */
    static long blockBytes(long bytes) {
        return Math.max(1L << MIN_SHIFT, Long.highestOneBit(bytes - 1) << 1);
    }

    /** A cached block of {@code blockBytes}, or 0 when there is none. */
    synchronized long take(long blockBytes) {
        Long address = free[sizeClass(blockBytes)].poll();
        return address == null ? 0 : address;
    }

    synchronized void put(long blockBytes, long address) {
        free[sizeClass(blockBytes)].push(address);
    }

    /** Removes and returns every cached block's address, to be handed back to the driver. */
    synchronized List<Long> drain() {
        List<Long> all = new ArrayList<>();
        for (ArrayDeque<Long> blocks : free) {
            all.addAll(blocks);
            blocks.clear();
        }
        return all;
    }

    private static int sizeClass(long blockBytes) {
        return Long.numberOfTrailingZeros(blockBytes) - MIN_SHIFT;
    }
}
