package dev.colossus.cpu.matmul;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A constant BF16 weight w (N x K, each row contiguous along k: a linear layer's (out, in) weight)
 * laid out again, once, for one row x against it ({@code x wᵀ}, a decode step), where its rows are
 * longer than {@link #WIDTH}: cut into blocks of WIDTH columns, block q holding its N rows of
 * {@code w_q = min(WIDTH, K - q WIDTH)} values back to back,
 * {@code blocks[q N WIDTH + j w_q + i] = w[j, q WIDTH + i]}; then
 * {@code x . w_j = sum_q x[q WIDTH, q WIDTH + w_q) . w[j, q WIDTH, q WIDTH + w_q)}, block by block.
 *
 * <p>Why: the product reads x (as words, two BF16 a word) beside every row of w, and x's part stays
 * in L1 only while it is short. On two threads of a Zen 4 VM, Llama 1B's down projection (N 2048, K
 * 8192: x 16 KiB) read its 16 layers' weights at 29-31 GB/s, and the same weights in blocks of 2048
 * (x's part 4 KiB) at 34-49 (a throwaway harness alternating the two in one JVM, 150 rounds each:
 * 1.14-1.47 times as fast by the median round). Reading the blocks where w lies, a 4 KiB run of each
 * row 16 KiB apart, was slower than either (21 GB/s): the hardware's prefetch restarts at every run.
 * The whole decode step, the builds before and after alternating in one JVM (two class loaders, 37
 * rounds of 10 steps, each order once), ran 1.067 and 1.054 times as fast by the median round.
 *
 * <p>The blocks live with the weight's storage ({@link dev.colossus.spi.HostStorage#derived}), freed
 * with it, and count against {@link DerivedBudget}; past it the weight is read as it lies. They are
 * native memory, as the weights read in place are: with the blocks in a {@code byte[]}, so that the
 * kernel's loads met heap and native segments, a decode step took 212-291 ms against 61-76 without
 * the blocks (one fork each, three times).
 */
final class ColumnBlocks implements AutoCloseable {
    /** Columns of a block: x's part is 4 KiB of words. */
    static final int WIDTH = 2048;
    private static final RowProducts PRODUCTS = RowProducts.instance();

    /** What a storage's blocks are of: the layout of w over it, in elements. */
    record Key(long offset, long rowStride, long n, long k) {
    }

    private final Arena arena;
    private final MemorySegment blocks;
    private final long n;
    private final int k;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ColumnBlocks(Arena arena, long n, int k) {
        this.arena = arena;
        this.blocks = arena.allocate(2 * n * k, 64);
        this.n = n;
        this.k = k;
    }

    /**
     * w of {@code n x k} BF16 values, row j at byte {@code at + j rowBytes} of {@code weight}, laid out
     * in blocks; null when they would take the derived forms past {@code budget} bytes.
     */
    static ColumnBlocks lay(MemorySegment weight, long at, long rowBytes, long n, int k, long budget) {
        long bytes = 2 * n * k;
        if (!DerivedBudget.take(bytes, budget)) {
            return null;
        }
        Arena arena = Arena.ofShared();
        try {
            ColumnBlocks laid = new ColumnBlocks(arena, n, k);
            for (int q = 0; q * WIDTH < k; q++) {
                int width = laid.width(q);
                for (long j = 0; j < n; j++) {
                    MemorySegment.copy(weight, at + j * rowBytes + 2L * q * WIDTH, laid.blocks, laid.row(q, j), 2L * width);
                }
            }
            return laid;
        } catch (RuntimeException | Error e) {
            arena.close();
            DerivedBudget.giveBack(bytes);
            throw e;
        }
    }

    /**
     * {@code sums[c] = x . w_{from + c}} for {@code c < rows}, x as its {@linkplain
     * RowProducts#loadWords words}, the blocks one after another (each a run of memory through the
     * rows); {@code part} holds at least {@code rows} floats.
     */
    void dots(int[] x, long from, int rows, float[] sums, float[] part) {
        PRODUCTS.bf16Dots(x, 0, width(0), blocks, row(0, from), 2L * width(0), rows, sums);
        for (int q = 1; q * WIDTH < k; q++) {
            PRODUCTS.bf16Dots(x, q * WIDTH, width(q), blocks, row(q, from), 2L * width(q), rows, part);
            for (int c = 0; c < rows; c++) {
                sums[c] += part[c];
            }
        }
    }

    /** The columns of block q. */
    private int width(int q) {
        return Math.min(WIDTH, k - q * WIDTH);
    }

    /** Where row j of block q starts, in bytes. */
    private long row(int q, long j) {
        return 2 * (q * n * WIDTH + j * width(q));
    }

    /** Frees the blocks and gives their bytes back to the budget; called once, when the weight's storage is freed. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            long bytes = blocks.byteSize();
            arena.close();
            DerivedBudget.giveBack(bytes);
        }
    }
}
