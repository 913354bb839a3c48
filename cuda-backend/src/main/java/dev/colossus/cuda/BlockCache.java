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
 *
 * <p>At most {@code capacity} bytes are kept ({@code -Dcolossus.cuda.blockCacheBytes}, 256 MiB by
 * default): a block that would exceed it goes back to the driver. {@link #drain} empties it.
 */
final class BlockCache {
    static final long MAX_BYTES = 1L << 20;
    static final long CAPACITY = CudaOptions.AT_START.blockCacheBytes();
    private static final int MIN_SHIFT = 8;

    @SuppressWarnings("unchecked")
    private final ArrayDeque<Long>[] free = new ArrayDeque[Long.numberOfTrailingZeros(MAX_BYTES) - MIN_SHIFT + 1];

    private final long capacity;
    private long cachedBytes;

    BlockCache(long capacity) {
        this.capacity = capacity;
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
        if (address == null) {
            return 0;
        }
        cachedBytes -= blockBytes;
        return address;
    }

    /** Keeps the block at {@code address}; false, keeping nothing, where that would pass the capacity. */
    synchronized boolean put(long blockBytes, long address) {
        if (cachedBytes + blockBytes > capacity) {
            return false;
        }
        free[sizeClass(blockBytes)].push(address);
        cachedBytes += blockBytes;
        return true;
    }

    synchronized long cachedBytes() {
        return cachedBytes;
    }

    /** Removes and returns every cached block's address, to be handed back to the driver. */
    synchronized List<Long> drain() {
        List<Long> all = new ArrayList<>();
        for (ArrayDeque<Long> blocks : free) {
            all.addAll(blocks);
            blocks.clear();
        }
        cachedBytes = 0;
        return all;
    }

    private static int sizeClass(long blockBytes) {
        return Long.numberOfTrailingZeros(blockBytes) - MIN_SHIFT;
    }
}
