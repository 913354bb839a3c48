package dev.colossus.cuda;

import java.lang.foreign.MemorySegment;
import jcuda.Pointer;

/** A JCuda {@link Pointer} to host memory at a raw address: a {@link MemorySegment}'s, or pinned memory the driver allocates. */
final class HostPointer extends Pointer {
    HostPointer() {
    }

    HostPointer(long address) {
        super(address);
    }

    long address() {
        return getNativePointer() + getByteOffset();
    }

    /** The {@code bytes} bytes at this address as a segment. */
    MemorySegment segment(long bytes) {
        return MemorySegment.ofAddress(address()).reinterpret(bytes);
    }
}
