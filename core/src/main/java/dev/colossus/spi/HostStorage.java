package dev.colossus.spi;

import dev.colossus.Device;
import java.lang.foreign.Arena;
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
    /** The arena of {@link #boundSegment()}, made on first use and closed before the memory is freed. */
    private Arena boundArena;
    private MemorySegment boundSegment;

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

    /**
     * The memory, for kernels: a segment with no lifetime of its own, valid only while the storage
     * holds a reference (during an op, the dispatcher holds one). Never hand it to users: see
     * {@link #boundSegment()}.
     */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * The memory as a segment bound to this storage's life: once the storage is freed, every access
     * through it throws {@link IllegalStateException} instead of reaching freed memory. A caller's
     * wrapped segment is returned as it is (its own arena governs it). The first call makes a shared
     * arena, whose close costs a thread handshake when the storage is freed; storages never asked for
     * one pay nothing. The caller holds a reference while it asks.
     */
    public synchronized MemorySegment boundSegment() {
        if (block == null) {
            return segment;
        }
        if (boundSegment == null) {
            boundArena = Arena.ofShared();
            boundSegment = segment.reinterpret(boundArena, null);
        }
        return boundSegment;
    }

    /** How many blocks Colossus has allocated on the host and not yet freed: for leak tests. */
    public static long liveAllocations() {
        return LIVE_ALLOCATIONS.get();
    }

    /**
     * Closes the bound arena first, so that no segment handed out can reach the memory once it is
     * reused or unmapped. If a native call is still using that segment the close throws, and the
     * memory is left allocated rather than freed under it.
     */
    @Override
    protected void free() {
        synchronized (this) {
            if (boundArena != null) {
                boundArena.close();
            }
        }
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
