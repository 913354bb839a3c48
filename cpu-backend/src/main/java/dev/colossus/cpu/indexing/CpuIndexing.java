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
 * axis and {@code :} the contiguous block after it (an embedding row of 4096 BF16 is 8 KiB), four
 * slabs copied together. Slabs are split across the workers.
 */
public final class CpuIndexing {
    /** Bytes per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 17;
    /** The bytes of the shortest slab copied whole: a cache line. */
    private static final long MIN_SLAB = CpuJoins.LINE;
    private static final SlabCopies COPIES = SlabCopies.instance();

    private CpuIndexing() {
    }

    /**
     * Whether {@link #selectSlabs} computes {@code g}: an indexSelect whose x has a contiguous block after
     * the axis, of a cache line or more ({@link CpuGather} moves shorter slabs element by element: along
     * the last axis of a 4096 x 4096 F32 tensor, a copy a float took 105 ms).
     */
    public static boolean selectsSlabs(Gather g) {
        long slabBytes = g.x().shape().suffix(g.axis() + 1).numel() * g.x().dtype().byteSize();
        return g.selectsSlabs() && g.out().isContiguous() && trailingContiguous(g.x(), g.axis()) && slabBytes >= MIN_SLAB;
    }

    /**
     * {@code out[o, j, :] = x[o, index[j], :]}: each task's slabs four at a time ({@link SlabCopies}),
     * the last one to three alone.
     */
    public static void selectSlabs(Gather g) {
        Operand out = g.out();
        long slabs = out.shape().prefix(g.axis() + 1).numel();
        long slabBytes = g.x().shape().suffix(g.axis() + 1).numel() * g.x().dtype().byteSize();
        MemorySegment from = g.x().segment(), to = out.segment();
        long outAt = out.offset() * out.dtype().byteSize();
        Sources sources = new Sources(g);
        int tasks = CpuParallel.tasksFor(slabs * slabBytes, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            long s = slabs * t / tasks, end = slabs * (t + 1) / tasks;
            for (; s + 4 <= end; s += 4) {
                COPIES.copyFour(from, sources.at(s), sources.at(s + 1), sources.at(s + 2), sources.at(s + 3),
                        to, outAt + s * slabBytes, slabBytes);
            }
            for (; s < end; s++) {
                MemorySegment.copy(from, sources.at(s), to, outAt + s * slabBytes, slabBytes);
            }
        });
    }

    /** Where in x's segment each slab of out starts. */
    private static final class Sources {
        private final MemorySegment indices;
        private final boolean wide;
        private final long indexOffset, indexStride, n, xOffset, size;
        private final int axis;
        private final long[] dims, strides;

        Sources(Gather g) {
            Operand x = g.x(), index = g.index();
            axis = g.axis();
            indices = index.segment();
            wide = index.dtype() == DType.I64;
            indexOffset = index.offset();
            indexStride = index.strides()[axis];
            n = g.out().dim(axis);
            xOffset = x.offset();
            size = x.dtype().byteSize();
            dims = x.shape().dims();
            strides = x.strides();
        }

        /** The byte offset of {@code x[o, index[j], :]}, slab {@code s = o n + j} of out. */
        long at(long s) {
            long o = s / n, j = s % n, at = indexOffset + j * indexStride;
            long row = wide ? indices.get(ValueLayout.JAVA_LONG_UNALIGNED, at * 8) : indices.get(ValueLayout.JAVA_INT_UNALIGNED, at * 4);
            long offset = xOffset + row * strides[axis];
            for (int d = axis - 1; d >= 0; d--) {
                offset += (o % dims[d]) * strides[d];
                o /= dims[d];
            }
            return offset * size;
        }
    }

    /** Whether x's dimensions after {@code axis} are laid out row-major without gaps (all of them for axis -1). */
    static boolean trailingContiguous(Operand x, int axis) {
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
