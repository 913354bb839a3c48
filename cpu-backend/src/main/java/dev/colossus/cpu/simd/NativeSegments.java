package dev.colossus.cpu.simd;

import java.lang.foreign.MemorySegment;

/**
 * Native memory, with its class made known to C2 at every vector load and store.
 *
 * <p>Every vector access to a segment ({@code fromMemorySegment}, {@code intoMemorySegment}) reaches
 * the JDK's {@code ScopedMemoryAccess}, which asks the segment for its base object through a virtual
 * call. That call site has one type profile for the whole JVM. Once any vector access has gone through a
 * segment of another class, the profile lists two classes, and each kernel that C2 compiles from then on
 * tests the class inside its loop: that loop is neither unrolled nor freed of its checks, and runs
 * 1.2x (an F32 add of 4096 x 4096 on two threads) to 2x (an add of 8192 values, in cache, on one) slower
 * for the rest of the JVM's life. The Vector API itself does such an access before C2 has compiled it:
 * in the interpreter and C1, {@code reinterpretAsInts} and the other reinterpreting casts copy the
 * vector through a heap segment over a {@code byte[]} ({@code AbstractVector.defaultReinterpret}). The
 * first BF16 store does that, so a JVM that had cast to BF16 added F32 slower than one that had not
 * ({@code benchmarks/results/cpu/README.md}, "One profile for every vector access").
 *
 * <p>{@link #exact} compares the segment's class with the one class of plain native segments: past
 * that test C2 knows the exact class, binds the calls and ignores the profile, and the test, invariant
 * in a loop, is made once before it. (A {@code Class.cast} to that class did the same where C2
 * intrinsified it, but in some compilations of the decode step's kernels C2 parsed it as a call to
 * {@code isInstance}, which sharpens nothing: a comparison of classes is not an intrinsic that C2 can
 * give up.) So the vector kernels take such segments only: {@code
 * HostStorage.segment()} gives one for every native segment a caller wraps (a mapped file's is of a
 * subclass), and the backend copies a tensor that wraps a Java array into native memory around the op
 * ({@code dev.colossus.cpu.HeapOperands}).
 */
public final class NativeSegments {
    /** The class of a plain native segment, as {@code Arena} and {@code MemorySegment.ofAddress} make it. */
    private static final Class<? extends MemorySegment> NATIVE = MemorySegment.ofAddress(0).getClass();

    private NativeSegments() {
    }

    /**
     * {@code m}, typed for C2 as a plain native segment.
     *
     * @param m a segment of native memory of that class
     * @return m
     * @throws IllegalArgumentException when m is of another class: memory that reached a vector kernel without
     *         {@code HostStorage} or {@code HeapOperands} (a bug)
     */
    public static MemorySegment exact(MemorySegment m) {
        if (m.getClass() != NATIVE) {
            throw notPlain(m);
        }
        return m;
    }

    /** Apart, so that {@link #exact} stays small enough for C2 to inline everywhere. */
    private static IllegalArgumentException notPlain(MemorySegment m) {
        return new IllegalArgumentException("a vector kernel takes segments of " + NATIVE.getName() + ", not " + m);
    }
}
