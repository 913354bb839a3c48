package dev.colossus.cpu.indexing;

import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.op.Concat;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code cat} and {@code stack} ({@link Concat}) as one pass over out. Out, contiguous, is a sequence
 * of rows {@code out[o, ..]}, o over the dimensions before the axis; each row is the parts' slabs
 * {@code parts[p][o, ..]} end to end, a slab being one run of memory when a part's dimensions from the
 * axis on are row-major. Out's bytes are cut into equal ranges, one a task, and each task copies its
 * range a piece at a time, a piece being what one part gives one row: one wait for the threads where a
 * copy a part waited at the end of each, and a task's piece of a large slab is one bulk copy, which
 * HotSpot makes with non-temporal stores from about 2.5 MB. On the Zen 5 machine, two (2048, 4096)
 * BF16 tensors end to end ran 1.19 and 1.34 times as fast as by a copy a part (medians of the
 * per-round ratios, the two alternating in one JVM, each order once); two (4096, 2048) side by side,
 * rows of 4 KiB, ran as fast as before (1.00 and 1.06).
 */
public final class CpuJoins {
    /** Bytes per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 17;
    /** Where the tasks' ranges are cut: on cache lines of out, so that no two threads write one line. */
    static final long LINE = 64;
    /**
     * Slabs smaller than a line on average go part by part, each a strided copy: a piece's bulk copy and
     * its row's offsets cost more than the piece: two (4096, 4096) F32 tensors stacked along a new last
     * dimension, slabs of one float, took 182-189 ms a piece at a time and 26-28 part by part
     * ({@code ElementwiseBench -p op=stackLast}, Intel Xeon, two threads).
     */
    private static final long MIN_SLAB = LINE;

    private CpuJoins() {
    }

    /**
     * Whether {@link #joinRows} computes {@code c}: out contiguous, every part's dimensions from the axis
     * on row-major, and its slabs {@link #MIN_SLAB} bytes or more on average.
     */
    public static boolean joinsRows(Concat c) {
        if (!c.out().isContiguous()) {
            return false;
        }
        long rowBytes = 0;
        for (Operand part : c.parts()) {
            if (part.dtype() != c.out().dtype() || !CpuIndexing.trailingContiguous(part, c.axis() - 1)) {
                return false;
            }
            rowBytes += part.shape().suffix(c.axis()).numel() * part.dtype().byteSize();
        }
        return rowBytes >= MIN_SLAB * c.parts().size();
    }

    /** {@code out[o, start_p ..] = parts[p][o, ..]} for every row o and part p, out's bytes split across the tasks. */
    public static void joinRows(Concat c) {
        Rows rows = new Rows(c);
        long total = rows.count * rows.bytes;
        if (total == 0) {
            return;
        }
        int tasks = CpuParallel.tasksFor(total, GRAIN);
        CpuParallel.forEach(tasks, t -> rows.copy(cut(total, t, tasks), cut(total, t + 1, tasks)));
    }

    /** Where task t's range of out's {@code total} bytes starts: an equal share, on a line. */
    private static long cut(long total, int t, int tasks) {
        return t == tasks ? total : total * t / tasks & -LINE;
    }

    /** Out as rows of the parts' slabs, and where each slab lies. */
    private static final class Rows {
        private final List<Operand> parts;
        private final MemorySegment out;
        private final long outAt;
        private final long size;
        private final int axis;
        /** Out's rows: the product of the dimensions before the axis. */
        private final long count;
        /** The bytes of a row of out. */
        private final long bytes;
        /** Where part p's slab ends in a row of out, in bytes: the running sum of the slabs' sizes. */
        private final long[] ends;

        Rows(Concat c) {
            parts = c.parts();
            axis = c.axis();
            out = c.out().segment();
            size = c.out().dtype().byteSize();
            outAt = c.out().offset() * size;
            count = c.out().shape().prefix(axis).numel();
            ends = new long[parts.size()];
            long end = 0;
            for (int p = 0; p < ends.length; p++) {
                end += parts.get(p).shape().suffix(axis).numel() * size;
                ends[p] = end;
            }
            bytes = end;
        }

        /** Bytes {@code [from, to)} of out, piece by piece. */
        void copy(long from, long to) {
            long row = from / bytes, at = from % bytes;
            int p = 0;
            while (ends[p] <= at) {
                p++;
            }
            for (long done = from; done < to; ) {
                long start = p == 0 ? 0 : ends[p - 1];
                long n = Math.min(ends[p] - at, to - done);
                Operand part = parts.get(p);
                MemorySegment.copy(part.segment(), slabAt(part, row) + at - start, out, outAt + done, n);
                done += n;
                at += n;
                while (at == ends[p] && done < to) {
                    if (++p == ends.length) {
                        p = 0;
                        at = 0;
                        row++;
                    }
                }
            }
        }

        /** The byte offset of {@code part[o, 0, ..]}, its slab of row o. */
        private long slabAt(Operand part, long o) {
            long offset = part.offset();
            for (int d = axis - 1; d >= 0; d--) {
                offset += o % part.dim(d) * part.strides()[d];
                o /= part.dim(d);
            }
            return offset * size;
        }
    }
}
