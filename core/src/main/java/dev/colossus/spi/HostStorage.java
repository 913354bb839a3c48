package dev.colossus.spi;

import dev.colossus.Device;
import dev.colossus.MemoryStats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Host memory: either allocated by Colossus (64-byte aligned, freed with the last reference; counted,
 * its large blocks kept for reuse, and the collector asked to run when unreachable tensors may be
 * holding much of it) or a caller's {@link MemorySegment} wrapped without a copy (never freed by
 * Colossus; the caller's arena decides its life, and a closed arena makes every access throw rather
 * than crash).
 *
 * <p>A wrapped segment may be declared {@linkplain #wrapConstant constant}: memory that nothing writes
 * while it lives (weights in a file mapped read-only). Backends may keep forms {@linkplain #derived
 * derived} from constant memory (the CPU backend's matmul panels of a weight), which live as long as
 * the storage.
 */
public final class HostStorage extends Storage {
    /** Alignment of allocated blocks: one AVX-512 vector, one cache line. */
    public static final int ALIGNMENT = 64;

    /** Of one class, whatever the caller wrapped (see {@link #segment()}). */
    private final MemorySegment segment;
    /** The segment a caller wrapped, as it was; null for memory Colossus allocated. */
    private final MemorySegment wrapped;
    private final MemorySegment block;
    /** The arena of {@link #boundSegment()}, made on first use and closed before the memory is freed. */
    private Arena boundArena;
    private MemorySegment boundSegment;
    /** Forms derived from constant memory, by key; null for memory that may be written. */
    private final ConcurrentHashMap<Object, Object> derived;

    private HostStorage(MemorySegment segment, MemorySegment block, boolean constant) {
        super(Device.CPU, segment.byteSize());
        this.wrapped = block == null ? segment : null;
        this.segment = wrapped != null && wrapped.isNative() ? wrapped.reinterpret(wrapped.byteSize()) : segment;
        this.block = block;
        this.derived = constant ? new ConcurrentHashMap<>() : null;
    }

    /**
     * Uninitialised host memory of {@code bytes} bytes, 64-byte aligned.
     *
     * @param bytes the size
     * @return the storage, holding one reference
     * @throws OutOfMemoryError when the C heap has no block of that size even after the unreachable
     *         tensors' memory was collected
     */
    public static HostStorage allocate(long bytes) {
        if (bytes < 0 || bytes > Long.MAX_VALUE - ALIGNMENT) {
            throw new IllegalArgumentException("host: cannot allocate " + bytes + " bytes");
        }
        if (bytes == 0) {
            return new HostStorage(MemorySegment.NULL, null, false);
        }
        MemorySegment block = HostMemory.allocate(bytes + ALIGNMENT);
        long aligned = (block.address() + ALIGNMENT - 1) & -ALIGNMENT;
        return new HostStorage(MemorySegment.ofAddress(aligned).reinterpret(bytes), block, false);
    }

    /**
     * The caller's memory, used in place.
     *
     * @param segment the caller's memory
     * @return a storage over it, never freed by Colossus
     */
    public static HostStorage wrap(MemorySegment segment) {
        return new HostStorage(segment, null, false);
    }

    /**
     * The caller's memory, used in place, read-only, and promised never to change while the storage
     * lives: no Colossus op writes it (the segment is read-only), and the caller writes it through no
     * other segment. Backends may then keep forms {@linkplain #derived derived} from it.
     *
     * @param segment the caller's memory
     * @return a storage over a read-only view of it, never freed by Colossus
     */
    public static HostStorage wrapConstant(MemorySegment segment) {
        return new HostStorage(segment.asReadOnly(), null, true);
    }

    /**
     * Whether this memory was declared {@linkplain #wrapConstant constant}.
     *
     * @return true when nothing writes it while it lives
     */
    public boolean isConstant() {
        return derived != null;
    }

    /**
     * The form of this constant memory kept under {@code key}, made by {@code make} on first use (one
     * thread makes it; others asking for the same key wait) and kept until the storage is freed, when
     * it is {@linkplain AutoCloseable#close closed} if it is closeable. A {@code make} that returns
     * null keeps nothing, and the next call tries again.
     *
     * @param <T> the form's type
     * @param key what the form is of (a layout over this memory, and how it was made)
     * @param make makes the form, or returns null when it should not be kept
     * @return the form, or null for memory that is not constant or a {@code make} that returned null
     */
    @SuppressWarnings("unchecked")
    public <T> T derived(Object key, Supplier<T> make) {
        return derived == null ? null : (T) derived.computeIfAbsent(key, k -> make.get());
    }

    /**
     * The memory, for kernels: a segment with no lifetime of its own, valid only while the storage
     * holds a reference (during an op, the dispatcher holds one). Never hand it to users: see
     * {@link #boundSegment()}. Native memory comes as a segment of the class {@code
     * MemorySegment.ofAddress} makes, also where the caller wrapped one of another (a mapped file's),
     * with the caller's scope and read-only flag: a kernel whose C2 code knows that class reads it
     * without testing it (the CPU backend's {@code NativeSegments}).
     *
     * @return the memory, without a lifetime of its own
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
     *
     * @return the memory, bound to this storage's life
     */
    public synchronized MemorySegment boundSegment() {
        if (block == null) {
            return wrapped;
        }
        if (boundSegment == null) {
            boundArena = Arena.ofShared();
            boundSegment = segment.reinterpret(boundArena, null);
        }
        return boundSegment;
    }

    /**
     * How many blocks Colossus has allocated on the host and not yet freed: for leak tests.
     *
     * @return the count
     */
    public static long liveAllocations() {
        return HostMemory.liveBlocks();
    }

    /**
     * How many collections host allocation has asked for, as its live bytes passed the threshold: for tests.
     *
     * @return the count
     */
    public static long collections() {
        return HostMemory.collections();
    }

    /**
     * Bytes in the host blocks Colossus has allocated and not yet freed.
     *
     * @return the bytes
     */
    public static long liveBytes() {
        return HostMemory.liveBytes();
    }

    /**
     * Bytes in freed host blocks kept for reuse.
     *
     * @return the bytes
     */
    public static long cachedBytes() {
        return HostMemory.cachedBytes();
    }

    /**
     * Host memory's settings as they were read at its first use.
     *
     * @return the settings, in a fixed order
     */
    public static List<Setting> settings() {
        return HostSettings.CURRENT.settings();
    }

    /**
     * The host blocks' bytes live, cached and at their peak, as one reading.
     *
     * @return the statistics, for {@link Device#CPU}
     */
    public static MemoryStats memoryStats() {
        return new MemoryStats(Device.CPU, HostMemory.liveBytes(), HostMemory.cachedBytes(), HostMemory.peakBytes());
    }

    /**
     * Frees the host blocks kept for reuse, gives the C heap's free pages back to the kernel, and starts
     * the high-water mark that sizes the cache again from the bytes live now.
     */
    public static void releaseCachedMemory() {
        HostMemory.releaseCached();
    }

    /**
     * Closes the bound arena first, so that no segment handed out can reach the memory once it is
     * reused or unmapped. If a native call is still using that segment the close throws, and the
     * memory is left allocated rather than freed under it.
     */
    @Override
    protected void free() {
        if (derived != null) {
            for (Object form : derived.values()) {
                if (form instanceof AutoCloseable closeable) {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        throw new IllegalStateException("host: a form derived from constant memory failed to close", e);
                    }
                }
            }
            derived.clear();
        }
        synchronized (this) {
            if (boundArena != null) {
                boundArena.close();
            }
        }
        if (block != null) {
            HostMemory.free(block, byteSize() + ALIGNMENT);
        }
    }
}
