package dev.colossus.spi;

import dev.colossus.Device;
import java.lang.foreign.MemorySegment;

/** The memory half of a backend that computes on host memory: allocation and copies are plain memory. */
public abstract class HostBackend implements Backend {
    /** For a backend's class. */
    protected HostBackend() {
    }

    @Override
    public final Device device() {
        return Device.CPU;
    }

    @Override
    public final Storage allocate(long bytes) {
        return HostStorage.allocate(bytes);
    }

    @Override
    public final void copyFromHost(MemorySegment src, Storage dst, long dstOffset, long bytes) {
        MemorySegment.copy(src, 0, ((HostStorage) dst).segment(), dstOffset, bytes);
    }

    @Override
    public final void copyToHost(Storage src, long srcOffset, MemorySegment dst, long bytes) {
        MemorySegment.copy(((HostStorage) src).segment(), srcOffset, dst, 0, bytes);
    }

    /** Frees the cached host blocks and trims the C heap (shared by every host backend). */
    @Override
    public void releaseCachedMemory() {
        HostStorage.releaseCachedMemory();
    }

    /** Host kernels finish before {@link #execute} returns: nothing to wait for. */
    @Override
    public final void synchronize() {
    }
}
