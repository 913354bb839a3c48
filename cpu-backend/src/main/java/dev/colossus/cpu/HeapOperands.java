package dev.colossus.cpu;

import dev.colossus.op.Copy;
import dev.colossus.op.Op;
import dev.colossus.reference.ReferenceKernels;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Ops over tensors that wrap a Java array ({@code Tensor.wrap(MemorySegment.ofArray(...))}), run on
 * native copies of them: the vector kernels take native memory only ({@link
 * dev.colossus.cpu.simd.NativeSegments}).
 *
 * <p>Each such operand is copied, from its first element to its last, into native memory laid out as
 * it is; after the op, out's elements, and no others, are copied back (bytes between them belong to
 * whoever else writes the array). Operands never overlap out in memory when the op runs: the API
 * copies a source that overlaps its destination first.
 */
final class HeapOperands {
    private HeapOperands() {
    }

    /** Whether an operand of {@code op} lies in a Java array. */
    static boolean any(Op op) {
        for (Operand x : op.inputs()) {
            if (onHeap(x)) {
                return true;
            }
        }
        return onHeap(op.out());
    }

    /** Runs {@code op} through {@code execute} with every operand in a Java array replaced by its native copy. */
    static void run(Op op, Consumer<Op> execute) {
        List<HostStorage> copies = new ArrayList<>();
        try {
            Op staged = op.map(x -> onHeap(x) ? nativeCopy(x, copies) : x);
            execute.accept(staged);
            if (onHeap(op.out())) {
                copyBack(staged.out(), op.out());
            }
        } finally {
            copies.forEach(HostStorage::release);
        }
    }

    private static boolean onHeap(Operand x) {
        return x.storage() instanceof HostStorage && !x.segment().isNative() && x.numel() > 0;
    }

    /** x's elements in native memory, in x's layout from its first element. */
    private static Operand nativeCopy(Operand x, List<HostStorage> copies) {
        HostStorage copy = HostStorage.allocate(bytes(x));
        copies.add(copy);
        MemorySegment.copy(x.segment(), firstByte(x), copy.segment(), 0, bytes(x));
        return new Operand(copy, x.dtype(), x.shape(), x.strides(), 0);
    }

    private static void copyBack(Operand staged, Operand out) {
        if (out.isContiguous()) {
            MemorySegment.copy(staged.segment(), 0, out.segment(), firstByte(out), bytes(out));
        } else {
            ReferenceKernels.execute(new Copy(staged, out));
        }
    }

    /** The byte of x's first element in its segment. */
    private static long firstByte(Operand x) {
        return x.offset() * x.dtype().byteSize();
    }

    /** From x's first element to the end of its last: strides are never negative. */
    private static long bytes(Operand x) {
        long last = 0;
        for (int d = 0; d < x.rank(); d++) {
            last += (x.dim(d) - 1) * x.strides()[d];
        }
        return (last + 1) * x.dtype().byteSize();
    }
}
