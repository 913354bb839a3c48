package dev.colossus.cpu.indexing;

import dev.colossus.DType;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.op.Gather;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code indexSelect} and {@code embedding}: a {@link Gather} whose index varies along its axis alone
 * copies whole slabs, {@code out[o, j, :] = x[o, index[j], :]} with o over the dimensions before the
 * axis and {@code :} the contiguous block after it, each slab one bulk copy (an embedding row of 4096
 * BF16 is 8 KiB). Slabs are split across the workers.
 */
public final class CpuIndexing {
    /** Bytes per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 17;

    private CpuIndexing() {
    }

    /** Whether {@link #selectSlabs} computes {@code g}: an indexSelect whose x has a contiguous block after the axis. */
    public static boolean selectsSlabs(Gather g) {
        return g.selectsSlabs() && g.out().isContiguous() && trailingContiguous(g.x(), g.axis());
    }

    /** {@code out[o, j, :] = x[o, index[j], :]}, a bulk copy per slab. */
    public static void selectSlabs(Gather g) {
        Operand x = g.x(), index = g.index(), out = g.out();
        int axis = g.axis();
        long n = out.dim(axis), inner = x.shape().suffix(axis + 1).numel(), outer = x.shape().prefix(axis).numel();
        long size = x.dtype().byteSize(), slabBytes = inner * size, slabs = outer * n;
        long indexStride = index.strides()[axis];
        MemorySegment from = x.segment(), to = out.segment(), indices = index.segment();
        boolean wide = index.dtype() == DType.I64;
        long[] outerStrides = x.strides();
        long[] outerDims = x.shape().dims();
        int tasks = CpuParallel.tasksFor(slabs * slabBytes, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            for (long s = slabs * t / tasks, end = slabs * (t + 1) / tasks; s < end; s++) {
                long o = s / n, j = s % n;
                long at = index.offset() + j * indexStride;
                long row = wide ? indices.get(ValueLayout.JAVA_LONG_UNALIGNED, at * 8) : indices.get(ValueLayout.JAVA_INT_UNALIGNED, at * 4);
                long source = x.offset() + outerOffset(o, axis, outerDims, outerStrides) + row * outerStrides[axis];
                MemorySegment.copy(from, source * size, to, (out.offset() + s * inner) * size, slabBytes);
            }
        });
    }

    /** The storage offset of outer index o (row-major over the dimensions before the axis). */
    private static long outerOffset(long o, int axis, long[] dims, long[] strides) {
        long offset = 0;
        for (int d = axis - 1; d >= 0; d--) {
            offset += (o % dims[d]) * strides[d];
            o /= dims[d];
        }
        return offset;
    }

    /** Whether x's dimensions after {@code axis} are laid out row-major without gaps. */
    private static boolean trailingContiguous(Operand x, int axis) {
        long expected = 1;
        for (int d = x.rank() - 1; d > axis; d--) {
            if (x.dim(d) != 1 && x.strides()[d] != expected) {
                return false;
            }
            expected *= x.dim(d);
        }
        return true;
    }
}
