package dev.colossus.cpu.matmul;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A constant F32 B (K x N; a weight, wrapped {@linkplain dev.colossus.Tensor#wrapConstant constant})
 * packed whole, once, as the GEMM's loop nest reads it: for each KC-deep block q of k, every NR-wide
 * column panel j, {@code panels[q * P * D * NR + j * depth_q * NR + kk * NR + jj] = B[q * KC + kk, j * NR + jj]},
 * where P is the number of column panels, D the depth of a full block (KC rounded up to even) and
 * {@code depth_q} this block's; columns past N and steps past K are zero.
 *
 * <p>Why: a product of a few rows against a weight read from memory ran at the rate the weight came
 * in, and packed panels stream in at about twice the rate of the weight's rows read in place or
 * packed per call (all-MiniLM-L6-v2's 16-token pass, 42 MB of F32 weights: 6.9-8.4 ms before, 3.4-3.9
 * after; {@code benchmarks/results/cpu/README.md}, "MiniLM"). The panels live on the heap with the
 * weight's storage ({@link dev.colossus.spi.HostStorage#derived}) and are given back when it is freed;
 * together with the other derived forms they hold at most {@code colossus.cpu.packedWeightBytes}
 * ({@link DerivedBudget}), past which weights are packed per call as before.
 */
final class PackedWeight implements AutoCloseable {
    /** What a storage's panels are of: the layout of B over it (the blocking is the process's). */
    record Key(long offset, long kStride, long nStride, long k, long n) {
    }

    /** Packs k {@code [pc, pc + kc)} of columns {@code [j0, j0 + cols)} as one NR-wide panel at {@code dst[dstOff]}, {@code depth} steps deep. */
    interface PanelPacker {
        void pack(long pc, int kc, int depth, long j0, int cols, float[] dst, int dstOff);
    }

    private final float[] panels;
    private final int columnPanels;
    private final int kc;
    private final int nr;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PackedWeight(float[] panels, int columnPanels, int kc, int nr) {
        this.panels = panels;
        this.columnPanels = columnPanels;
        this.kc = kc;
        this.nr = nr;
    }

    /**
     * B of {@code k x n} packed in {@code kc}-deep blocks of {@code nr}-wide panels by {@code packer},
     * or null when its panels would take the derived forms past {@code budget} bytes (or not fit in
     * one Java array).
     */
    static PackedWeight pack(long k, long n, int kc, int nr, long budget, PanelPacker packer) {
        long columnPanels = (n + nr - 1) / nr;
        long floats = (k + kc - 1) / kc * columnPanels * ((kc + 1) & ~1) * nr;
        long bytes = 4 * floats;
        if (floats > Integer.MAX_VALUE - 8) {
            return null;
        }
        if (!DerivedBudget.take(bytes, budget)) {
            return null;
        }
        try {
            PackedWeight weight = new PackedWeight(new float[(int) floats], (int) columnPanels, kc, nr);
            for (long pc = 0; pc < k; pc += kc) {
                int kcHere = (int) Math.min(kc, k - pc), depth = (kcHere + 1) & ~1;
                for (long j0 = 0; j0 < n; j0 += nr) {
                    packer.pack(pc, kcHere, depth, j0, (int) Math.min(nr, n - j0), weight.panels, weight.offset(pc, j0, depth));
                }
            }
            return weight;
        } catch (RuntimeException | Error e) {
            DerivedBudget.giveBack(bytes);
            throw e;
        }
    }

    /** The panels, for the micro-kernel. */
    float[] panels() {
        return panels;
    }

    /** Where the panel of column {@code j0} (a multiple of NR) in the block from k = {@code pc} starts, that block {@code depth} deep. */
    int offset(long pc, long j0, int depth) {
        return (int) (pc / kc * columnPanels * (long) ((kc + 1) & ~1) * nr + j0 / nr * depth * nr);
    }

    /** Gives the panels' bytes back to the budget; called once, when the weight's storage is freed. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            DerivedBudget.giveBack(4L * panels.length);
        }
    }
}
