package dev.colossus.spi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The C heap, through {@code malloc} and {@code free}, and glibc's {@code malloc_trim} where there is one.
 *
 * <p>Host tensors are freed the moment they are closed, and often: an {@code Arena.ofShared()} per
 * tensor would cost a thread handshake per close (about 150 us measured on JDK 25 with busy threads),
 * so host memory comes from the C heap instead, its lifetime kept by {@link Storage}'s reference count.
 */
final class NativeHeap {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    /** glibc's {@code int malloc_trim(size_t pad)}; absent from other C libraries. */
    private static final Optional<MethodHandle> MALLOC_TRIM = LINKER.defaultLookup().find("malloc_trim")
            .map(symbol -> LINKER.downcallHandle(symbol, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)));

    private NativeHeap() {
    }

    /** {@code malloc(bytes)}: a zero-length segment at the block's address, or {@code NULL} when out of memory. */
    static MemorySegment malloc(long bytes) {
        try {
            return (MemorySegment) MALLOC.invokeExact(bytes);
        } catch (Throwable t) {
            throw new AssertionError("malloc failed", t);
        }
    }

    static void free(MemorySegment block) {
        try {
            FREE.invokeExact(block);
        } catch (Throwable t) {
            throw new AssertionError("free failed", t);
        }
    }

    /**
     * Gives the C heap's free pages back to the kernel ({@code malloc_trim(0)}): glibc keeps freed blocks
     * below its mmap threshold, which grows to 32 MiB as large blocks are freed, in its arenas for reuse.
     * Does nothing where the C library has no {@code malloc_trim}.
     */
    static void trim() {
        MALLOC_TRIM.ifPresent(trim -> {
            try {
                int released = (int) trim.invokeExact(0L);
            } catch (Throwable t) {
                throw new AssertionError("malloc_trim failed", t);
            }
        });
    }
}
