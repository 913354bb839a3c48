package dev.colossus.spi;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host blocks Colossus allocates, counted, and the collector's part in freeing what users forget.
 *
 * <p>The JVM does not see this memory: a program that never closes its tensors leaves their blocks to
 * the cleaners, which run only after a collection, and a quiet heap may not be collected for a long
 * time while native memory fills. So when the live bytes pass a threshold, the allocating thread asks
 * for a collection and waits while the cleaners free what it found ({@link Collector}); the
 * threshold then moves to twice the live bytes, and as blocks are freed it follows them down to twice
 * what is left, never below twice what the last collection left live, nor below {@code
 * -Dcolossus.host.gcThresholdBytes} (256 MiB by default). A program that forgets its tensors stays
 * near the floor; one that holds gigabytes on purpose pays a collection each time its holdings
 * double, and one whose every step holds more than the floor for a moment (a model's forward pass
 * in one scope) pays one collection, not one a step: MiniLM's batch of 32 held 270 MiB in its scope
 * and ran a full collection every pass, a tenth of its time (issue 22). (Direct buffers have the same problem; java.nio's
 * {@code Bits.reserveMemory} collects at a hard limit instead.) Where {@code -XX:+DisableExplicitGC}
 * is set, only {@code close()} frees memory.
 *
 * <p>When {@code malloc} refuses a block, the cached blocks are freed, the C heap trimmed, a collection
 * run and its cleaners awaited, and the allocation retried over half a second, before an
 * {@link OutOfMemoryError} says how much was asked for and how much Colossus holds.
 *
 * <p>Freed blocks of 1 MiB or more are kept for reuse ({@link LargeBlockCache}), as many bytes of them
 * as the live bytes are short of their high-water mark, or {@code -Dcolossus.host.cacheBytes} (256
 * MiB by default) when that is more ({@link #cacheCapacity}): past the floor, the cache never makes
 * the process bigger than it has been, and a program whose every step holds more than the floor gets
 * its blocks back step after step. With a fixed 256 MiB, MiniLM's batch of 32 (270 MiB held in a
 * pass's scope) had some of its blocks pushed out each pass and page-faulted them back: 274 ms a
 * pass, 213 with them kept. A large allocation the cache cannot serve first frees the oldest blocks
 * beyond the room left. {@link #releaseCached()} gives them and the C heap's free pages back, and
 * starts the high-water mark again from the bytes live.
 */
final class HostMemory {
    static final long CACHE_FLOOR = HostSettings.CURRENT.cacheFloorBytes();
    static final long GC_THRESHOLD_FLOOR = HostSettings.CURRENT.gcThresholdFloorBytes();
    /** Sleeps, doubling from 1 ms, after a failed allocation's collection: about half a second in all. */
    private static final int RETRIES = 9;

    private static final LargeBlockCache CACHE = new LargeBlockCache();
    private static final AtomicLong LIVE_BYTES = new AtomicLong();
    /** The most bytes live at once since the process started or {@link #releaseCached()} last ran. */
    private static final AtomicLong PEAK_LIVE_BYTES = new AtomicLong();
    private static final AtomicLong LIVE_BLOCKS = new AtomicLong();
    private static final AtomicLong GC_THRESHOLD = new AtomicLong(GC_THRESHOLD_FLOOR);
    /** What the threshold falls back to as blocks are freed: twice what the last collection left live, at least the floor. */
    private static final AtomicLong GC_THRESHOLD_BASE = new AtomicLong(GC_THRESHOLD_FLOOR);
    /** How many collections the threshold has asked for. */
    private static final AtomicLong COLLECTIONS = new AtomicLong();
    /** Whether a thread is collecting for the threshold: one at a time, the others go on. */
    private static final AtomicBoolean COLLECTING = new AtomicBoolean();

    private HostMemory() {
    }

    /** A block of {@code bytes}, from the cache or the C heap; throws {@link OutOfMemoryError} when there is none. */
    static MemorySegment allocate(long bytes) {
        boolean large = bytes >= LargeBlockCache.MIN_BYTES;
        MemorySegment block = large ? CACHE.take(bytes) : null;
        if (block == null) {
            if (large) {
                CACHE.shrinkTo(cacheCapacity(LIVE_BYTES.get() + bytes));
            }
            block = NativeHeap.malloc(bytes);
        }
        if (block.equals(MemorySegment.NULL)) {
            block = allocateAfterCollecting(bytes);
        }
        LIVE_BLOCKS.incrementAndGet();
        long live = LIVE_BYTES.addAndGet(bytes);
        PEAK_LIVE_BYTES.accumulateAndGet(live, Math::max);
        if (live > GC_THRESHOLD.get() && COLLECTING.compareAndSet(false, true)) {
            try {
                COLLECTIONS.incrementAndGet();
                Collector.collectAndAwaitCleaners(LIVE_BYTES::get);
                GC_THRESHOLD_BASE.set(Math.max(GC_THRESHOLD_FLOOR, 2 * LIVE_BYTES.get()));
                GC_THRESHOLD.set(GC_THRESHOLD_BASE.get());
            } finally {
                COLLECTING.set(false);
            }
        }
        return block;
    }

    /** Returns {@code block} of {@code bytes}, to the cache when it is large. */
    static void free(MemorySegment block, long bytes) {
        LIVE_BLOCKS.decrementAndGet();
        long live = LIVE_BYTES.addAndGet(-bytes);
        GC_THRESHOLD.accumulateAndGet(Math.max(GC_THRESHOLD_BASE.get(), 2 * live), Math::min);
        if (bytes >= LargeBlockCache.MIN_BYTES) {
            CACHE.put(block, bytes, cacheCapacity(live));
        } else {
            NativeHeap.free(block);
        }
    }

    private static MemorySegment allocateAfterCollecting(long bytes) {
        releaseCached();
        Collector.collectAndAwaitCleaners(LIVE_BYTES::get);
        for (int retry = 0; retry < RETRIES; retry++) {
            MemorySegment block = NativeHeap.malloc(bytes);
            if (!block.equals(MemorySegment.NULL)) {
                return block;
            }
            try {
                Thread.sleep(1L << retry);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            releaseCached();
        }
        throw new OutOfMemoryError("host: malloc of " + bytes + " bytes failed, after a collection to run the cleaners of"
                + " unreachable tensors; Colossus holds " + LIVE_BYTES.get() + " bytes in " + LIVE_BLOCKS.get()
                + " live blocks. Close tensors you no longer need (or make them in a Scope)");
    }

    /** The bytes the cache may keep while {@code live} bytes are live: their shortfall from the high-water mark, at least the floor. */
    static long cacheCapacity(long live) {
        return Math.max(CACHE_FLOOR, PEAK_LIVE_BYTES.get() - live);
    }

    /** Frees the cached blocks, gives the C heap's free pages back to the kernel, and restarts the high-water mark. */
    static void releaseCached() {
        CACHE.clear();
        PEAK_LIVE_BYTES.set(LIVE_BYTES.get());
        NativeHeap.trim();
    }

    static long liveBytes() {
        return LIVE_BYTES.get();
    }

    static long collections() {
        return COLLECTIONS.get();
    }

    static long liveBlocks() {
        return LIVE_BLOCKS.get();
    }

    static long cachedBytes() {
        return CACHE.cachedBytes();
    }

    static long peakBytes() {
        return PEAK_LIVE_BYTES.get();
    }
}
