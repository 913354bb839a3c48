package dev.colossus.spi;

import dev.colossus.Device;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host memory: either allocated by Colossus (64-byte aligned, freed with the last reference; blocks of
 * 1 MiB or more are kept for reuse by a {@link LargeBlockCache}) or a
 * caller's {@link MemorySegment} wrapped without a copy (never freed by Colossus; the caller's arena
 * decides its life, and a closed arena makes every access throw rather than crash).
 */
public final class HostStorage extends Storage {
    /** Alignment of allocated blocks: one AVX-512 vector, one cache line. */
    public static final int ALIGNMENT = 64;

    private static final AtomicLong LIVE_ALLOCATIONS = new AtomicLong();
    private static final LargeBlockCache LARGE_BLOCKS = new LargeBlockCache();

    private final MemorySegment segment;
    private final MemorySegment block;

    private HostStorage(MemorySegment segment, MemorySegment block) {
        super(Device.CPU, segment.byteSize());
        this.segment = segment;
        this.block = block;
    }

    /** Uninitialised host memory of {@code bytes} bytes, 64-byte aligned. */
    public static HostStorage allocate(long bytes) {
        if (bytes < 0 || bytes > Long.MAX_VALUE - ALIGNMENT) {
            throw new IllegalArgumentException("host: cannot allocate " + bytes + " bytes");
        }
        if (bytes == 0) {
            return new HostStorage(MemorySegment.NULL, null);
        }
        long blockBytes = bytes + ALIGNMENT;
        MemorySegment block = blockBytes >= LargeBlockCache.MIN_BYTES ? LARGE_BLOCKS.take(blockBytes) : null;
        if (block == null) {
            block = NativeHeap.malloc(blockBytes);
        }
        if (block.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("host: malloc of " + bytes + " bytes failed");
        }
        long address = block.address();
        long aligned = (address + ALIGNMENT - 1) & -ALIGNMENT;
        LIVE_ALLOCATIONS.incrementAndGet();
        return new HostStorage(MemorySegment.ofAddress(aligned).reinterpret(bytes), block);
    }

    /** The caller's memory, used in place. */
    public static HostStorage wrap(MemorySegment segment) {
        return new HostStorage(segment, null);
    }

    public MemorySegment segment() {
        return segment;
    }

    /** How many blocks Colossus has allocated on the host and not yet freed: for leak tests. */
    public static long liveAllocations() {
        return LIVE_ALLOCATIONS.get();
    }

    @Override
    protected void free() {
        if (block != null) {
            long blockBytes = byteSize() + ALIGNMENT;
            if (blockBytes >= LargeBlockCache.MIN_BYTES) {
                LARGE_BLOCKS.put(block, blockBytes);
            } else {
                NativeHeap.free(block);
            }
            LIVE_ALLOCATIONS.decrementAndGet();
        }
    }
}
