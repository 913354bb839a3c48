package dev.colossus.cpu.indexing;

import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Gather;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;

/**
 * {@code gather} element by element, of any dtype (its bytes moved, as a copy moves them):
 * <pre>
 *   out[i] = x[i with i_axis = index[i]]          x (d_0, ..., d_{r-1}); index, out of one shape
 *          = x[xOffset + sum_{d != axis} i_d xStride_d + index[i] xStride_axis]
 * </pre>
 * It walks out's runs with index and x beside them (x's stride along the axis taken as 0: the
 * index supplies it), reads each run's indices into a buffer, turns them into x's offsets and moves
 * the elements. Runs are split across the workers. This is also {@code indexSelect} along a dimension
 * whose slabs are shorter than {@link CpuIndexing}'s copies pay for: along the last dimension of a
 * 4096 x 4096 F32 tensor, a slab is one float.
 */
public final class CpuGather {
    /** Bytes of out per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 16;
    /** Elements per run, the size of each task's buffer of offsets. */
    private static final int BLOCK = 4096;

    private CpuGather() {
    }

    public static void gather(Gather g) {
        Operand x = g.x(), index = g.index(), out = g.out();
        long[] beside = x.strides().clone();
        beside[g.axis()] = 0;
        StridedWalk walk = new StridedWalk(out.shape(), out, x.withLayout(out.shape(), beside, x.offset()), index);
        long numel = walk.numel(), pick = x.strides()[g.axis()];
        long outStride = walk.innerStride(0), xStride = walk.innerStride(1), indexStride = walk.innerStride(2);
        int size = x.dtype().byteSize();
        MemorySegment from = x.segment(), to = out.segment();
        int tasks = CpuParallel.tasksFor(numel * size, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            long[] fromAt = new long[BLOCK], toAt = new long[BLOCK];
            walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, BLOCK, (offsets, n) -> {
                ElementMoves.picked(index, offsets[2], indexStride, offsets[1], xStride, pick, fromAt, n);
                ElementMoves.strided(offsets[0], outStride, toAt, n);
                ElementMoves.move(from, fromAt, to, toAt, n, size);
            });
        });
    }
}
