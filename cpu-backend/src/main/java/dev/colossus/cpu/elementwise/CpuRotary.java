package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.FloatIO.BLOCK;

import dev.colossus.DType;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Rotary;
import dev.colossus.spi.Operand;

/**
 * Rotary position embeddings, fused: each pair {@code (a, b)} of a row to {@code (a cos - b sin, b cos
 * + a sin)} in one pass. BF16 rows whose values, and cos's and sin's, lie contiguous go straight
 * between memory and registers, the angles read where they lie ({@link RotaryKernels#rotateBf16Rows});
 * contiguous F32 rows likewise, the angles of a block of positions loaded once for every head ({@link
 * RotaryKernels#rotateRows}). Any other layout walks the pairs' halves as views ({@link Rotary#firsts},
 * {@link Rotary#seconds}) with cos and sin, as runs ({@link StridedWalk}) loaded into F32 buffers.
 */
public final class CpuRotary {
    private static final RotaryKernels ROTARY = RotaryKernels.instance();
    /** Elements per task. */
    private static final long GRAIN = 1 << 15;
    /**
     * Positions whose F32 angles are loaded together: 128 rows of 64 pairs, 64 KiB of cos and sin (128
     * KiB spread for interleaved), held in L2. A head's rows of a block are one run of memory: runs of
     * 32 rows of 128 BF16 (8 KiB), each 1 MiB from the last, ran at 0.55 of the copy's rate, runs of
     * 128 at 0.64, as the hardware's prefetch starts afresh at each run.
     */
    private static final int POSITIONS = 128;
    /** The most values one call of {@link RotaryKernels#rotateBf16Rows} turns, so that its int counts hold. */
    private static final int VALUES_PER_CALL = 1 << 20;

    private CpuRotary() {
    }

    public static void rotary(Rotary op) {
        if (op.x().dtype() == DType.BF16 && lastContiguous(op.x(), op.out(), op.cos(), op.sin()) && op.pairs() <= VALUES_PER_CALL / 2) {
            bf16Rows(op);
        } else if (op.x().dtype() == DType.F32 && lastContiguous(op.x(), op.out()) && op.pairs() <= Integer.MAX_VALUE / (2 * POSITIONS)) {
            f32Rows(op);
        } else {
            buffered(op);
        }
    }

    /** Whether each operand's rows are contiguous: stride 1 along the last dimension, or one value there. */
    private static boolean lastContiguous(Operand... operands) {
        for (Operand o : operands) {
            int last = o.rank() - 1;
            if (o.strides()[last] != 1 && o.dim(last) > 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * A task takes a run of rows in x's order, in stretches of consecutive positions of one head, each
     * stretch one call of the kernel: a head's rows are then one run of memory for the hardware's
     * prefetch, where the F32 path's blocks of positions, taken head by head, restart it every block
     * (IndexingBench's BF16 rotary, 32 heads of 4096 positions of 128, on Zen 5: 0.33 of the copy's rate,
     * slowest of 3 forks, against 0.24 by blocks with the angles laid out as F32).
     */
    private static void bf16Rows(Rotary op) {
        Operand x = op.x(), out = op.out(), cos = op.cos(), sin = op.sin();
        int last = x.rank() - 1, pairs = (int) op.pairs();
        long positions = x.dim(last - 1), rows = pairs == 0 ? 0 : x.numel() / (2L * pairs);
        if (rows == 0) {
            return;
        }
        long stretch = Math.max(1, VALUES_PER_CALL / (2L * pairs));
        Operand[] operands = {x, out, cos, sin};
        int tasks = CpuParallel.tasksFor(x.numel(), GRAIN);
        CpuParallel.forEach(tasks, t -> {
            long[] at = new long[4];
            for (long r = rows * t / tasks, end = rows * (t + 1) / tasks; r < end;) {
                int n = (int) Math.min(Math.min(positions - r % positions, end - r), stretch);
                rowOffsets(operands, r, at);
                ROTARY.rotateBf16Rows(op.interleaved(), rows(x, at[0], last), rows(out, at[1], last), rows(cos, at[2], last),
                        rows(sin, at[3], last), n, pairs);
                r += n;
            }
        });
    }

    /**
     * Blocks of {@link #POSITIONS} positions (rows along the second-to-last dimension): a block's cos
     * and sin rows are loaded as F32 and laid out for the kernel once ({@link RotaryKernels#layAngles}),
     * then every head's rows of the block are turned by them (the
     * angles reloaded per head only where they are not broadcast over the heads). A task takes a run of
     * (block, head) items, finding each item's offsets from its first row's index.
     */
    private static void f32Rows(Rotary op) {
        Operand x = op.x(), out = op.out(), cos = op.cos(), sin = op.sin();
        int last = x.rank() - 1, pairs = (int) op.pairs();
        long positions = x.dim(last - 1);
        long heads = positions == 0 || pairs == 0 ? 0 : x.numel() / (2L * pairs * positions);
        long blocks = (positions + POSITIONS - 1) / POSITIONS, items = blocks * heads;
        boolean shared = broadcastOverHeads(cos) && broadcastOverHeads(sin);
        Operand[] operands = {x, out, cos, sin};
        int tasks = CpuParallel.tasksFor(x.numel(), GRAIN), blockRows = (int) Math.min(POSITIONS, positions);
        CpuParallel.forEach(tasks, t -> {
            float[] rowCos = new float[pairs], rowSin = new float[pairs];
            int width = ROTARY.angleWidth(op.interleaved(), pairs);
            float[] cosines = new float[blockRows * width], sines = new float[blockRows * width];
            long[] at = new long[4];
            long loaded = -1;
            for (long item = items * t / tasks, end = items * (t + 1) / tasks; item < end; item++) {
                long block = item / heads, head = item % heads, first = block * POSITIONS;
                int n = (int) Math.min(POSITIONS, positions - first);
                rowOffsets(operands, head * positions + first, at);
                if (!shared || block != loaded) {
                    for (int p = 0; p < n; p++) {
                        FloatIO.load(cos, at[2] + p * cos.strides()[last - 1], cos.strides()[last], rowCos, 0, pairs);
                        FloatIO.load(sin, at[3] + p * sin.strides()[last - 1], sin.strides()[last], rowSin, 0, pairs);
                        ROTARY.layAngles(op.interleaved(), rowCos, rowSin, cosines, sines, p * width, pairs);
                    }
                    loaded = block;
                }
                ROTARY.rotateRows(op.interleaved(), rows(x, at[0], last), rows(out, at[1], last), cosines, sines, n, pairs);
            }
        });
    }

    /** Whether the angles are the same for every head: stride 0 over every dimension before the positions. */
    private static boolean broadcastOverHeads(Operand angles) {
        for (int d = 0; d < angles.rank() - 2; d++) {
            if (angles.strides()[d] != 0 && angles.dim(d) != 1) {
                return false;
            }
        }
        return true;
    }

    /** The rows of o from element {@code element} on, in bytes. */
    private static RotaryKernels.Rows rows(Operand o, long element, int last) {
        long size = o.dtype().byteSize();
        return new RotaryKernels.Rows(o.segment(), element * size, o.strides()[last - 1] * size);
    }

    /** Each operand's element offset of row r (r row-major over every dimension but the last). */
    private static void rowOffsets(Operand[] operands, long r, long[] at) {
        long[] dims = operands[0].shape().dims();
        for (int o = 0; o < operands.length; o++) {
            long offset = operands[o].offset(), rest = r;
            for (int d = dims.length - 2; d >= 0; d--) {
                offset += (rest % dims[d]) * operands[o].strides()[d];
                rest /= dims[d];
            }
            at[o] = offset;
        }
    }

    private static void buffered(Rotary op) {
        Operand a = op.firsts(op.x()), b = op.seconds(op.x()), outA = op.firsts(op.out()), outB = op.seconds(op.out());
        Operand[] operands = {outA, outB, a, b, op.cos(), op.sin()};
        StridedWalk walk = new StridedWalk(a.shape(), operands);
        long numel = walk.numel();
        int tasks = CpuParallel.tasksFor(numel, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            float[][] buffers = new float[4][BLOCK];
            walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, BLOCK, (offsets, n) -> {
                for (int i = 0; i < 4; i++) {
                    FloatIO.load(operands[i + 2], offsets[i + 2], walk.innerStride(i + 2), buffers[i], 0, n);
                }
                ROTARY.rotate(buffers[0], buffers[1], buffers[2], buffers[3], n);
                FloatIO.store(buffers[0], 0, n, outA, offsets[0], walk.innerStride(0));
                FloatIO.store(buffers[1], 0, n, outB, offsets[1], walk.innerStride(1));
            });
        });
    }
}
