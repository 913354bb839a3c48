package dev.colossus.spi;

import dev.colossus.Device;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A block of memory on one device, shared by every tensor that views it and freed when the last of
 * them lets go.
 *
 * <p>A storage is born holding one reference, its creator's. {@link #retain()} adds one for each
 * further holder (a view, an op in flight) and {@link #release()} drops one; the memory is freed
 * exactly once, when the count reaches zero.
 */
public abstract class Storage {
    private final Device device;
    private final long byteSize;
    private final AtomicInteger references = new AtomicInteger(1);

    /**
     * A storage holding one reference, its creator's.
     *
     * @param device where the memory lives
     * @param byteSize its size in bytes
     */
    protected Storage(Device device, long byteSize) {
        this.device = device;
        this.byteSize = byteSize;
    }

    /**
     * Where the memory lives.
     *
     * @return the device
     */
    public final Device device() {
        return device;
    }

    /**
     * The size of the memory.
     *
     * @return the size in bytes
     */
    public final long byteSize() {
        return byteSize;
    }

    /**
     * Whether the last reference was released and the memory freed.
     *
     * @return true once freed
     */
    public final boolean isFreed() {
        return references.get() == 0;
    }

    /** Adds a reference; throws if the memory was already freed. */
    public final void retain() {
        int before = references.getAndUpdate(n -> n == 0 ? 0 : n + 1);
        if (before == 0) {
            throw new IllegalStateException("storage of " + byteSize + " bytes on " + device + " was already freed");
        }
    }

    /** Drops a reference, freeing the memory when it was the last. */
    public final void release() {
        int after = references.decrementAndGet();
        if (after == 0) {
            free();
        } else if (after < 0) {
            throw new IllegalStateException("storage on " + device + " released more often than retained");
        }
    }

    /** Returns the memory to the device; called once, by the last {@link #release()}. */
    protected abstract void free();
}
