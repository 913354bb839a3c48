package dev.colossus.cpu;

import dev.colossus.DType;
import dev.colossus.op.MatMul;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * {@code C[..., m, n] = sum_k A[..., m, k] * B[..., k, n]}; {@code (..., M, K) x (..., K, N) -> (..., M, N)}
 * for F32, F16 and BF16 operands, accumulated in F32.
 *
 * <p>A packed GEMM in the BLIS style: for each block of NC columns and KC steps of k, B is packed
 * into NR-wide panels (read through any strides and converted to F32 on the way, so transposed
 * views and 16-bit inputs cost nothing extra); then, in parallel over blocks of MC rows (and over
 * column ranges when there are few row blocks), each task packs its rows of A into MR-high panels and
 * runs the {@link MicroKernel} over every MR x NR tile. Tiles at the edges go through a scratch tile.
 * Batches run one after another with all threads each, or, when each product is small, one per task.
 */
final class CpuMatMul {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final MicroKernel KERNEL = MicroKernel.instance();
    static final GemmBlocking BLOCKING = GemmBlocking.forKernel(KERNEL);

    /** Below this many multiply-adds per product, a batch runs one product per task. */
    private static final long SMALL_PRODUCT = 1 << 21;

    private CpuMatMul() {
    }

    /**
     * One product {@code C = A B}: element (m, k) of A at element {@code a0 + m * am + k * ak} of
     * operand {@code a}, likewise B, and C row-major F32 at byte {@code c0} of {@code c}, {@code ldc}
     * elements per row.
     */
    private record Product(Operand a, long a0, long am, long ak, Operand b, long b0, long bk, long bn,
            long m, long n, long k, MemorySegment c, long c0, long ldc) {
    }

    static void matmul(MatMul op) {
        Operand a = op.a(), b = op.b(), out = op.out();
        int r = out.rank();
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        if (m == 0 || n == 0) {
            return;
        }
        long batches = out.numel() / (m * n);
        boolean direct = out.dtype() == DType.F32;
        long[] as = a.strides(), bs = b.strides();
        BatchOffsets aBatch = new BatchOffsets(a), bBatch = new BatchOffsets(b), outBatch = new BatchOffsets(out);
        boolean perTask = batches > 1 && m * n * k <= SMALL_PRODUCT;
        int tasks = perTask ? CpuParallel.tasksFor(batches, 1) : 1;
        CpuParallel.forEach(tasks, task -> {
            long from = batches * task / tasks;
            long to = batches * (task + 1) / tasks;
            float[] scratch = direct ? null : new float[Math.toIntExact(m * n)];
            for (long batch = from; batch < to; batch++) {
                long o0 = outBatch.offset(batch);
                MemorySegment c = direct ? out.segment() : MemorySegment.ofArray(scratch);
                long c0 = direct ? o0 * 4 : 0;
                Product p = new Product(a, aBatch.offset(batch), as[r - 2], as[r - 1],
                        b, bBatch.offset(batch), bs[r - 2], bs[r - 1], m, n, k, c, c0, n);
                multiply(p, !perTask);
                if (!direct) {
                    FloatIO.store(scratch, 0, scratch.length, out, o0, 1);
                }
            }
        });
    }

    /** Element offsets of each batch's matrix, for the batch dimensions of an operand (all but the last two). */
    private static final class BatchOffsets {
        private final long[] dims;
        private final long[] strides;
        private final long base;

        BatchOffsets(Operand x) {
            int batchRank = x.rank() - 2;
            dims = x.shape().prefix(batchRank).dims();
            strides = Arrays.copyOf(x.strides(), batchRank);
            base = x.offset();
        }

        long offset(long batch) {
            long offset = base;
            for (int d = dims.length - 1; d >= 0; d--) {
                offset += (batch % dims[d]) * strides[d];
                batch /= dims[d];
            }
            return offset;
        }
    }

    private static void multiply(Product p, boolean parallel) {
        if (p.k() == 0) {
            for (long i = 0; i < p.m(); i++) {
                p.c().asSlice(p.c0() + i * p.ldc() * 4, p.n() * 4).fill((byte) 0);
            }
            return;
        }
        int mr = KERNEL.mr(), nr = KERNEL.nr();
        int kcMax = BLOCKING.kc(), mcMax = BLOCKING.mc(), ncMax = BLOCKING.nc();
        for (long jc = 0; jc < p.n(); jc += ncMax) {
            int nc = (int) Math.min(ncMax, p.n() - jc);
            int panels = (nc + nr - 1) / nr;
            for (long pc = 0; pc < p.k(); pc += kcMax) {
                int kc = (int) Math.min(kcMax, p.k() - pc);
                float[] packedB = new float[panels * kc * nr];
                long jc0 = jc, pc0 = pc;
                int packTasks = parallel ? Math.min(panels, CpuParallel.THREADS) : 1;
                CpuParallel.forEach(packTasks, t -> {
                    for (int panel = panels * t / packTasks; panel < panels * (t + 1) / packTasks; panel++) {
                        packB(p, pc0, kc, jc0 + (long) panel * nr, Math.min(nr, nc - panel * nr), packedB, panel * kc * nr);
                    }
                });
                int rowBlocks = (int) ((p.m() + mcMax - 1) / mcMax);
                int splits = parallel ? Math.max(1, Math.min(panels, (2 * CpuParallel.THREADS + rowBlocks - 1) / rowBlocks)) : 1;
                boolean accumulate = pc > 0;
                CpuParallel.forEach(parallel ? rowBlocks * splits : 1, task -> {
                    int first = parallel ? task : 0;
                    int last = parallel ? task + 1 : rowBlocks * splits;
                    for (int t = first; t < last; t++) {
                        long ic = (long) (t / splits) * mcMax;
                        int mc = (int) Math.min(mcMax, p.m() - ic);
                        int split = t % splits;
                        float[] packedA = new float[(mc + mr - 1) / mr * mr * kc];
                        packA(p, ic, mc, pc0, kc, packedA);
                        tiles(p, packedA, ic, mc, packedB, jc0, nc, kc, panels * split / splits,
                                panels * (split + 1) / splits, accumulate);
                    }
                });
            }
        }
    }

    /** Runs the micro-kernel over the tiles of rows {@code [ic, ic + mc)} and B panels {@code [from, to)}. */
    private static void tiles(Product p, float[] packedA, long ic, int mc, float[] packedB, long jc, int nc, int kc,
            int from, int to, boolean accumulate) {
        int mr = KERNEL.mr(), nr = KERNEL.nr();
        float[] edge = null;
        for (int ir = 0; ir < mc; ir += mr) {
            int rows = Math.min(mr, mc - ir);
            for (int panel = from; panel < to; panel++) {
                int jr = panel * nr;
                int cols = Math.min(nr, nc - jr);
                long cOff = p.c0() + ((ic + ir) * p.ldc() + jc + jr) * 4;
                if (rows == mr && cols == nr) {
                    KERNEL.multiply(kc, packedA, ir * kc, packedB, panel * kc * nr, p.c(), cOff, p.ldc(), accumulate);
                } else {
                    edge = edge == null ? new float[mr * nr] : edge;
                    KERNEL.multiply(kc, packedA, ir * kc, packedB, panel * kc * nr, MemorySegment.ofArray(edge), 0, nr, false);
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) {
                            long at = cOff + ((long) i * p.ldc() + j) * 4;
                            float v = edge[i * nr + j];
                            p.c().set(F32, at, accumulate ? p.c().get(F32, at) + v : v);
                        }
                    }
                }
            }
        }
    }

    /** Packs rows {@code [ic, ic + mc)} and k {@code [pc, pc + kc)} of A as MR-high panels: {@code dst[panel][k][i]}, zero-padded. */
    private static void packA(Product p, long ic, int mc, long pc, int kc, float[] dst) {
        int mr = KERNEL.mr();
        if (p.ak() == 1) {
            float[] row = new float[kc];
            for (int i = 0; i < mc; i++) {
                FloatIO.load(p.a(), p.a0() + (ic + i) * p.am() + pc, 1, row, 0, kc);
                int base = i / mr * mr * kc + i % mr;
                for (int k = 0; k < kc; k++) {
                    dst[base + k * mr] = row[k];
                }
            }
        } else {
            for (int i0 = 0; i0 < mc; i0 += mr) {
                int rows = Math.min(mr, mc - i0);
                for (int k = 0; k < kc; k++) {
                    FloatIO.load(p.a(), p.a0() + (ic + i0) * p.am() + (pc + k) * p.ak(), p.am(), dst, i0 * kc + k * mr, rows);
                }
            }
        }
    }

    /** Packs k {@code [pc, pc + kc)} of columns {@code [j0, j0 + cols)} of B as one NR-wide panel: {@code dst[k][j]}, zero-padded. */
    private static void packB(Product p, long pc, int kc, long j0, int cols, float[] dst, int dstOff) {
        int nr = KERNEL.nr();
        if (p.bk() == 1 && p.bn() != 1) {
            float[] column = new float[kc];
            for (int j = 0; j < cols; j++) {
                FloatIO.load(p.b(), p.b0() + pc + (j0 + j) * p.bn(), 1, column, 0, kc);
                for (int k = 0; k < kc; k++) {
                    dst[dstOff + k * nr + j] = column[k];
                }
            }
        } else {
            for (int k = 0; k < kc; k++) {
                FloatIO.load(p.b(), p.b0() + (pc + k) * p.bk() + j0 * p.bn(), p.bn(), dst, dstOff + k * nr, cols);
            }
        }
    }
}
