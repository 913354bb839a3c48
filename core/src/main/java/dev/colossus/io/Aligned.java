package dev.colossus.io;

import dev.colossus.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A file's bytes as a tensor can hold them: where they lie when they start at a multiple of the element size, else copied. */
final class Aligned {
    private Aligned() {
    }

    /** {@code bytes} itself when its address is a multiple of {@code dtype}'s size, else an aligned copy of it. */
    static MemorySegment of(MemorySegment bytes, DType dtype) {
        if (bytes.address() % dtype.byteSize() == 0) {
            return bytes;
        }
        MemorySegment copy = Arena.ofAuto().allocate(bytes.byteSize(), 64);
        MemorySegment.copy(bytes, 0, copy, 0, bytes.byteSize());
        return copy;
    }
}
